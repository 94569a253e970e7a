package squareoauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// WebhookSignatureHeader is the header that carries the signature of a
// Square webhook notification. Square computes it as described at
// https://developer.squareup.com/docs/webhooks/step3validate.
const WebhookSignatureHeader = "X-Square-Hmacsha256-Signature"

// VerifyWebhookSignature reports whether signatureHeader, the value of the
// x-square-hmacsha256-signature header of a webhook notification, is
// Square's signature of body. Square signs the notification URL registered
// on the subscription followed by the raw request body with HMAC-SHA256,
// keyed with the subscription's signature key, and sends the result in
// standard base64 (https://developer.squareup.com/docs/webhooks/step3validate).
//
// Pass the raw body exactly as it arrived, before any parsing: re-encoded
// JSON no longer matches. notificationURL must be the URL as registered with
// Square, byte for byte (scheme, host, path, trailing slash and query); do
// not rebuild it from the incoming request, whose Host header the sender
// chooses. signatureKey is used as given, not base64-decoded.
//
// It returns false when any argument is empty, so that a missing key or an
// empty delivery never passes as signed. The comparison takes constant time.
func VerifyWebhookSignature(body []byte, signatureHeader, signatureKey, notificationURL string) bool {
	if len(body) == 0 || signatureHeader == "" || signatureKey == "" || notificationURL == "" {
		return false
	}
	mac := hmac.New(sha256.New, []byte(signatureKey))
	mac.Write([]byte(notificationURL))
	mac.Write(body)
	want := base64.StdEncoding.AppendEncode(nil, mac.Sum(nil))
	// Compare the encoded forms: decoding the header first would accept
	// variants (line breaks, which the decoder skips) that Square never sends.
	return hmac.Equal(want, []byte(signatureHeader))
}
