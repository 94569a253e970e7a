package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// The demo's started processes are this test binary run again.
func TestMain(m *testing.M) {
	if os.Getenv(roleEnv) != "" {
		os.Exit(instance(os.Stdin, os.Stdout))
	}
	os.Exit(m.Run())
}

// The demo checks its own claims (one refresh request for every caller,
// the revocation honoured by the other processes, no request for the
// revoked seller) and fails when one does not hold; this runs it, and
// checks that it printed no secret.
func TestDemo(t *testing.T) {
	var out bytes.Buffer
	d, err := newDemo(&out)
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	if err := d.play(); err != nil {
		t.Fatalf("demo failed: %v\n%s", err, out.String())
	}
	printed := out.String()
	for _, want := range []string{
		"Square received 1 refresh request; all 100 callers got the same new token.",
		"refreshed 2, failed 0, must reauthorize 0.",
		"forged (wrong signature)  -> 401 Unauthorized",
		"process 2 asks for MLDEMOSELLER02's token: vault.ErrReauthorize",
		"No request reached Square for the revoked seller.",
		"MLDEMOSELLER02  reauthorize",
	} {
		if !strings.Contains(printed, want) {
			t.Errorf("output lacks %q:\n%s", want, printed)
		}
	}
	secrets := map[string]string{
		"client secret": d.setup.ClientSecret, "signature key": d.webhookKey,
		"vault key (hex)": hex.EncodeToString(d.setup.Key), "vault key (base64)": base64.StdEncoding.EncodeToString(d.setup.Key),
		// Square's token prefixes: access, refresh, authorization code.
		"an access token": "EAAA", "a refresh token": "EQAA", "a code": "sq0cgb-",
	}
	for _, m := range []string{sellers[0], sellers[2]} {
		tok, err := d.v.Token(d.ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		secrets[m+"'s access token"], secrets[m+"'s refresh token"] = tok.AccessToken, tok.RefreshToken
	}
	for name, s := range secrets {
		if strings.Contains(printed, s) {
			t.Errorf("output shows %s:\n%s", name, printed)
		}
	}
}
