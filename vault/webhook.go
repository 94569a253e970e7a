package vault

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/squareoauth/squareoauth"
)

// maxWebhookBody caps a notification's body. Square's event bodies are a
// few kilobytes; the cap stops a stranger from making the handler buffer an
// unbounded body before its signature has been checked.
const maxWebhookBody = 1 << 20

// webhookTimeout bounds the storage work for one delivery. Square counts a
// delivery as failed when the answer takes longer than 10 seconds
// (https://developer.squareup.com/docs/webhooks-api/delivery-sla) and then
// retries it, so a stuck database is better answered with a 500 in time.
const webhookTimeout = 5 * time.Second

// eventRevoked is the type of the event Square sends when a seller's
// authorization is revoked
// (https://developer.squareup.com/reference/square/webhooks/oauth.authorization.revoked).
const eventRevoked = "oauth.authorization.revoked"

// webhookEvent holds the fields of a notification the handler reads.
type webhookEvent struct {
	MerchantID string `json:"merchant_id"`
	Type       string `json:"type"`
	EventID    string `json:"event_id"`
	CreatedAt  string `json:"created_at"`
	Data       struct {
		Object struct {
			Revocation struct {
				RevokedAt string `json:"revoked_at"`
			} `json:"revocation"`
		} `json:"object"`
	} `json:"data"`
}

// WebhookHandler returns the http.Handler to mount at the notification URL
// of a Square webhook subscription that includes the
// oauth.authorization.revoked event. Config.WebhookURL must be that URL
// exactly as registered with Square, and Config.WebhookSignatureKey the
// subscription's signature key.
//
// The handler accepts only POST (405 otherwise), refuses bodies over 1 MiB
// (413) and checks the x-square-hmacsha256-signature header over the raw
// body (https://developer.squareup.com/docs/webhooks/step3validate); a
// missing or wrong signature is answered 401 and changes nothing. A
// delivery whose event_id was already handled is acknowledged and ignored,
// as Square advises (https://developer.squareup.com/docs/webhooks/step4manage).
// On oauth.authorization.revoked it wipes the seller's tokens and sets
// StateReauthorize, for every instance sharing the database, unless the
// revocation (its revoked_at, else its created_at) is older than the
// seller's latest Save or Connect: Square retries a delivery for up to 72
// hours (https://developer.squareup.com/docs/webhooks/troubleshooting), so
// a revocation can arrive after the seller authorized again. Every other
// event type, webhooks.test_notification included, is acknowledged with 200
// and ignored. A signed delivery the handler cannot act on (not JSON, or a
// revocation without event_id, merchant_id or a readable time) is
// answered 400, so that it shows as failed in Square's delivery log.
//
// When the vault has no WebhookURL or WebhookSignatureKey, every delivery
// is answered 503 Service Unavailable: Square keeps retrying for 72 hours,
// so revocations that arrive before the configuration is fixed are not
// lost. A storage failure, or storage slower than 5 seconds, is answered
// 500 for the same reason, within Square's 10-second limit.
func (v *Vault) WebhookHandler() http.Handler {
	return http.HandlerFunc(v.serveWebhook)
}

func (v *Vault) serveWebhook(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	key, notificationURL := v.cfg.WebhookSignatureKey, v.cfg.WebhookURL
	if key == "" || notificationURL == "" {
		v.cfg.Logger.Error("vault: webhook delivery refused: Config.WebhookURL and Config.WebhookSignatureKey are both required",
			"url_set", notificationURL != "", "key_set", key != "")
		http.Error(w, "webhook not configured", http.StatusServiceUnavailable)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	if !squareoauth.VerifyWebhookSignature(body, r.Header.Get(squareoauth.WebhookSignatureHeader), key, notificationURL) {
		// Not logged at a level that pages anyone: anybody can post here.
		v.cfg.Logger.Debug("vault: webhook delivery with a bad or missing signature refused")
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	status, msg := v.handleEvent(r.Context(), body)
	if status == http.StatusOK {
		w.WriteHeader(status)
		return
	}
	http.Error(w, msg, status)
}

// handleEvent acts on a notification whose signature was checked and
// returns the status to answer with.
func (v *Vault) handleEvent(ctx context.Context, body []byte) (int, string) {
	var ev webhookEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return http.StatusBadRequest, "body is not a JSON event"
	}
	if ev.Type != eventRevoked {
		return http.StatusOK, ""
	}
	if ev.EventID == "" || ev.MerchantID == "" {
		return http.StatusBadRequest, "revocation without event_id or merchant_id"
	}
	revokedAt, ok := revocationTime(ev)
	if !ok {
		return http.StatusBadRequest, "revocation without a valid revoked_at or created_at"
	}
	ctx, cancel := context.WithTimeout(ctx, webhookTimeout)
	defer cancel()
	// A redelivery (Square resends until it sees a 2xx) is answered with a
	// read, without taking the write lock.
	seen, err := v.seenEvent(ctx, ev.EventID)
	if err == nil && !seen {
		var applied bool
		applied, err = v.applyRevocation(ctx, ev.EventID, ev.MerchantID, revokedAt)
		if err == nil && !applied {
			v.cfg.Logger.Info("vault: revocation changed nothing: already handled, older than the seller's latest Save or Connect, or for a seller the vault does not hold",
				"merchant_id", ev.MerchantID, "event_id", ev.EventID, "revoked_at", revokedAt)
		}
	}
	if err != nil {
		// Square retries a delivery that is not answered 2xx, so the
		// revocation is not lost.
		v.cfg.Logger.Error("vault: webhook delivery not recorded; Square will retry it", "event_id", ev.EventID, "error", err)
		return http.StatusInternalServerError, "storage error"
	}
	return http.StatusOK, ""
}

// revocationTime is when the revocation happened: data.object.revocation.revoked_at,
// else the event's created_at (both RFC 3339).
func revocationTime(ev webhookEvent) (time.Time, bool) {
	for _, s := range []string{ev.Data.Object.Revocation.RevokedAt, ev.CreatedAt} {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
