package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/json"
	"fmt"
)

// aadVersion tags the additional data, so that a later format cannot be
// mistaken for this one.
const aadVersion = "squareoauth-vault/v1"

// sealer encrypts the tokens of a row with AES-256-GCM. The additional
// data binds a ciphertext to its seller and key ID, so a ciphertext copied
// onto another seller's row fails to decrypt instead of handing out the
// other seller's token (see NIST SP 800-38D on additional authenticated
// data). Each write takes a fresh random 96-bit nonce.
type sealer struct {
	primary string                 // Keys[0].ID: encrypts every write
	aeads   map[string]cipher.AEAD // every key, by ID: decrypts
}

func newSealer(keys []Key) (*sealer, error) {
	s := &sealer{primary: keys[0].ID, aeads: make(map[string]cipher.AEAD, len(keys))}
	for _, k := range keys {
		block, err := aes.NewCipher(k.Secret)
		if err != nil {
			return nil, inputErr("Config.Keys", "holds a key AES rejects")
		}
		aead, err := cipher.NewGCMWithRandomNonce(block)
		if err != nil {
			return nil, err
		}
		s.aeads[k.ID] = aead
	}
	return s, nil
}

// secrets is what is encrypted: the two tokens.
type secrets struct {
	AccessToken  string `json:"a"`
	RefreshToken string `json:"r"`
}

func additionalData(merchantID, keyID string) []byte {
	return []byte(aadVersion + "\x00" + merchantID + "\x00" + keyID)
}

// seal encrypts sec for merchantID under the primary key.
func (s *sealer) seal(merchantID string, sec secrets) (keyID string, sealed []byte, err error) {
	plain, err := json.Marshal(sec)
	if err != nil {
		return "", nil, err
	}
	defer clear(plain)
	return s.primary, s.aeads[s.primary].Seal(nil, nil, plain, additionalData(merchantID, s.primary)), nil
}

// open decrypts a row's tokens. The errors name the seller and key ID,
// never key or token material.
func (s *sealer) open(merchantID, keyID string, sealed []byte) (secrets, error) {
	aead, ok := s.aeads[keyID]
	if !ok {
		return secrets{}, fmt.Errorf("vault: seller %q is encrypted under key %q, which is not in Config.Keys", merchantID, keyID)
	}
	plain, err := aead.Open(nil, nil, sealed, additionalData(merchantID, keyID))
	if err != nil {
		return secrets{}, fmt.Errorf("vault: seller %q does not decrypt under key %q: the row was altered or belongs to another seller", merchantID, keyID)
	}
	defer clear(plain)
	var sec secrets
	if err := json.Unmarshal(plain, &sec); err != nil {
		return secrets{}, fmt.Errorf("vault: seller %q decrypts to an unreadable record", merchantID)
	}
	return sec, nil
}
