package squareoauth_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/squareoauth/squareoauth"
)

// Square's published test vectors, from the signature tests of its official
// Go and Python SDKs (square/square-go-sdk webhooks/client/verify_signature_test.go).
const (
	sdkKey  = "Ibxx_5AKakO-3qeNVR61Dw"
	sdkURL  = "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9"
	sdkBody = `{"merchant_id":"MLEFBHHSJGVHD","type":"webhooks.test_notification","event_id":"ac3ac95b-f97d-458c-a6e6-18981597e05f","created_at":"2022-07-13T20:30:59.037339943Z","data":{"type":"webhooks","id":"bc368e64-01aa-407e-b46e-3231809b1129"}}`
	sdkSig  = "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4="

	// The second vector keeps '>' and '<' as they are: no HTML escaping.
	sdkKey2  = "signature-key"
	sdkURL2  = "https://webhook.site/webhooks"
	sdkBody2 = `{"data":{"type":"webhooks","id":">id<"}}`
	sdkSig2  = "Cxt7+aTi4rKgcA0bC4g9EHdVtLSDWdqccmL5MvihU4U="
)

func TestVerifyWebhookSignature(t *testing.T) {
	reindented := strings.Replace(sdkBody, `"merchant_id":`, `"merchant_id": `, 1)
	cases := []struct {
		name                string
		body, sig, key, url string
		want                bool
	}{
		{"square vector", sdkBody, sdkSig, sdkKey, sdkURL, true},
		{"square vector, html characters", sdkBody2, sdkSig2, sdkKey2, sdkURL2, true},

		{"url with trailing slash", sdkBody, sdkSig, sdkKey, sdkURL + "/", false},
		{"url over http", sdkBody, sdkSig, sdkKey, "http" + strings.TrimPrefix(sdkURL, "https"), false},
		{"url with upper-case host", sdkBody, sdkSig, sdkKey, strings.Replace(sdkURL, "webhook.site", "Webhook.site", 1), false},
		{"re-indented body", reindented, sdkSig, sdkKey, sdkURL, false},
		{"body with trailing newline", sdkBody + "\n", sdkSig, sdkKey, sdkURL, false},
		{"other key", sdkBody, sdkSig, sdkKey2, sdkURL, false},
		{"signature of another body", sdkBody, sdkSig2, sdkKey, sdkURL, false},
		{"signature without padding", sdkBody, strings.TrimRight(sdkSig, "="), sdkKey, sdkURL, false},
		{"signature url-safe base64", sdkBody, strings.ReplaceAll(sdkSig, "/", "_"), sdkKey, sdkURL, false},
		{"signature with line break", sdkBody, sdkSig[:20] + "\n" + sdkSig[20:], sdkKey, sdkURL, false},
		{"signature with space", sdkBody, " " + sdkSig, sdkKey, sdkURL, false},
		{"key base64-decoded is not the key", sdkBody, sdkSig, sdkKey + "==", sdkURL, false},

		{"empty body", "", sdkSig, sdkKey, sdkURL, false},
		{"empty header", sdkBody, "", sdkKey, sdkURL, false},
		{"empty key", sdkBody, sdkSig, "", sdkURL, false},
		{"empty url", sdkBody, sdkSig, sdkKey, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := squareoauth.VerifyWebhookSignature([]byte(c.body), c.sig, c.key, c.url)
			if got != c.want {
				t.Errorf("VerifyWebhookSignature = %v; want %v", got, c.want)
			}
		})
	}
}

// An empty body is refused even with the signature an HMAC of the URL alone
// would give: Square's Go SDK accepts an empty body unsigned, and a handler
// built on it would let anyone through.
func TestVerifyWebhookSignatureEmptyBodyWithValidMAC(t *testing.T) {
	// HMAC-SHA256(key "signature-key", "https://webhook.site/webhooks" + "").
	const urlOnly = "Idub308a2XldODIj6n7BscSVUFxj8VtUiTyN/Li6d8M="
	if squareoauth.VerifyWebhookSignature(nil, urlOnly, sdkKey2, sdkURL2) {
		t.Error("VerifyWebhookSignature accepted an empty body")
	}
}

func TestWebhookSignatureHeaderName(t *testing.T) {
	// Square documents the header in lower case; net/http canonicalises it.
	if got := http.CanonicalHeaderKey("x-square-hmacsha256-signature"); got != squareoauth.WebhookSignatureHeader {
		t.Errorf("WebhookSignatureHeader = %q; want %q", squareoauth.WebhookSignatureHeader, got)
	}
}

func ExampleVerifyWebhookSignature() {
	// In a handler: read the raw body (capped), then verify it against the
	// notification URL and signature key of the subscription, as registered
	// with Square, before parsing anything.
	body := []byte(`{"data":{"type":"webhooks","id":">id<"}}`)
	header := "Cxt7+aTi4rKgcA0bC4g9EHdVtLSDWdqccmL5MvihU4U=" // r.Header.Get(squareoauth.WebhookSignatureHeader)
	ok := squareoauth.VerifyWebhookSignature(body, header, "signature-key", "https://webhook.site/webhooks")
	fmt.Println(ok)
	// Output: true
}
