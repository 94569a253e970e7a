package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/squareoauth/squareoauth/internal/fakesquare"
)

// adminAction handles one admin request given its JSON body: the result
// is encoded as the answer, and an error is a 400 naming the field.
type adminAction func(fake *fakesquare.Server, body []byte) (any, error)

// adminActions are the POST endpoints under /_fake, by path.
var adminActions = map[string]adminAction{
	"/authorize":            adminAuthorize,
	"/migration-token":      adminMigrationToken,
	"/fault":                adminFault,
	"/advance":              adminAdvance,
	"/consent":              adminConsent,
	"/redirect-url":         adminRedirectURL,
	"/expire-access-tokens": adminMerchant((*fakesquare.Server).ExpireAccessTokens),
	"/revoke-all":           adminMerchant((*fakesquare.Server).RevokeAll),
	"/legacy-errors":        adminLegacyErrors,
}

// adminHandler serves the admin endpoint, mounted with its /_fake prefix
// stripped. It answers JSON only, and never reaches the fake's records.
func adminHandler(fake *fakesquare.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !fromLocalTool(r) {
			adminReply(w, http.StatusForbidden, map[string]string{"error": "the admin endpoint takes requests for a loopback host and from no web page"})
			return
		}
		if r.URL.Path == "/violations" {
			if r.Method != http.MethodGet {
				adminReply(w, http.StatusMethodNotAllowed, map[string]string{"error": "use GET"})
				return
			}
			v := fake.Violations()
			if v == nil {
				v = []string{}
			}
			adminReply(w, http.StatusOK, map[string][]string{"violations": v})
			return
		}
		act, ok := adminActions[r.URL.Path]
		switch {
		case !ok:
			adminReply(w, http.StatusNotFound, map[string]string{"error": "no admin endpoint " + r.URL.Path + "; see squareoauth fake --help"})
			return
		case r.Method != http.MethodPost:
			adminReply(w, http.StatusMethodNotAllowed, map[string]string{"error": "use POST"})
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			adminReply(w, http.StatusBadRequest, map[string]string{"error": "reading the body: " + err.Error()})
			return
		}
		out, err := act(fake, body)
		if err != nil {
			adminReply(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		adminReply(w, http.StatusOK, out)
	})
}

func adminReply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decodeStrict decodes body into v, refusing unknown fields so that a typo
// is not silently ignored. An empty body is an empty object.
func decodeStrict(body []byte, v any) error {
	if len(body) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("body: %v", err)
	}
	if dec.More() {
		return errors.New("body: more than one JSON value")
	}
	return nil
}

// field names the JSON field a check refused.
func field(name string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %v", name, err)
}

func adminAuthorize(fake *fakesquare.Server, body []byte) (any, error) {
	var in struct {
		MerchantID    string   `json:"merchant_id"`
		Scopes        []string `json:"scopes"`
		CodeChallenge string   `json:"code_challenge"`
	}
	if err := decodeStrict(body, &in); err != nil {
		return nil, err
	}
	if err := errors.Join(field("merchant_id", fakesquare.CheckMerchantID(in.MerchantID)),
		field("scopes", fakesquare.CheckScopes(in.Scopes))); err != nil {
		return nil, err
	}
	if in.CodeChallenge == "" {
		return map[string]string{"code": fake.Authorize(in.MerchantID, in.Scopes...)}, nil
	}
	if err := fakesquare.CheckCodeChallenge(in.CodeChallenge); err != nil {
		return nil, field("code_challenge", err)
	}
	return map[string]string{"code": fake.AuthorizePKCE(in.MerchantID, in.CodeChallenge, in.Scopes...)}, nil
}

func adminMigrationToken(fake *fakesquare.Server, body []byte) (any, error) {
	var in struct {
		MerchantID string `json:"merchant_id"`
	}
	if err := decodeStrict(body, &in); err != nil {
		return nil, err
	}
	if err := fakesquare.CheckMerchantID(in.MerchantID); err != nil {
		return nil, field("merchant_id", err)
	}
	return map[string]string{"migration_token": fake.IssueLegacyToken(in.MerchantID)}, nil
}

// adminMerchant adapts a fake method that acts on one seller.
func adminMerchant(act func(*fakesquare.Server, string)) adminAction {
	return func(fake *fakesquare.Server, body []byte) (any, error) {
		var in struct {
			MerchantID string `json:"merchant_id"`
		}
		if err := decodeStrict(body, &in); err != nil {
			return nil, err
		}
		if err := fakesquare.CheckMerchantID(in.MerchantID); err != nil {
			return nil, field("merchant_id", err)
		}
		act(fake, in.MerchantID)
		return map[string]bool{"ok": true}, nil
	}
}

func adminFault(fake *fakesquare.Server, body []byte) (any, error) {
	var in struct {
		Path          string      `json:"path"`
		Status        int         `json:"status"`
		Header        http.Header `json:"header"`
		Body          string      `json:"body"`
		Delay         string      `json:"delay"`
		Drop          bool        `json:"drop"`
		AfterHandling bool        `json:"after_handling"`
	}
	if err := decodeStrict(body, &in); err != nil {
		return nil, err
	}
	f := fakesquare.Fault{Status: in.Status, Header: in.Header, Drop: in.Drop, AfterHandling: in.AfterHandling}
	if in.Body != "" {
		f.Body = []byte(in.Body)
	}
	if in.Delay != "" {
		d, err := time.ParseDuration(in.Delay)
		if err != nil {
			return nil, field("delay", err)
		}
		f.Delay = d
	}
	if err := fakesquare.CheckFault(in.Path, f); err != nil {
		return nil, err
	}
	fake.InjectFault(in.Path, f)
	return map[string]bool{"queued": true}, nil
}

func adminAdvance(fake *fakesquare.Server, body []byte) (any, error) {
	var in struct {
		By string `json:"by"`
	}
	if err := decodeStrict(body, &in); err != nil {
		return nil, err
	}
	d, err := time.ParseDuration(in.By)
	if err == nil {
		err = fakesquare.CheckAdvance(d)
	}
	if err != nil {
		return nil, field("by", err)
	}
	fake.Advance(d)
	return map[string]string{"now": fake.Now().Format(time.RFC3339)}, nil
}

func adminConsent(fake *fakesquare.Server, body []byte) (any, error) {
	var in struct {
		MerchantID string `json:"merchant_id"`
		Deny       bool   `json:"deny"`
	}
	if err := decodeStrict(body, &in); err != nil {
		return nil, err
	}
	if in.MerchantID != "" {
		if err := fakesquare.CheckMerchantID(in.MerchantID); err != nil {
			return nil, field("merchant_id", err)
		}
	}
	fake.SetConsent(in.MerchantID)
	fake.DenyConsent(in.Deny)
	return map[string]bool{"ok": true}, nil
}

func adminRedirectURL(fake *fakesquare.Server, body []byte) (any, error) {
	var in struct {
		URL string `json:"url"`
	}
	if err := decodeStrict(body, &in); err != nil {
		return nil, err
	}
	if err := fakesquare.CheckRedirectURL(in.URL); err != nil {
		return nil, field("url", err)
	}
	fake.SetRedirectURL(in.URL)
	return map[string]bool{"ok": true}, nil
}

func adminLegacyErrors(fake *fakesquare.Server, body []byte) (any, error) {
	var in struct {
		On bool `json:"on"`
	}
	if err := decodeStrict(body, &in); err != nil {
		return nil, err
	}
	fake.SetLegacyErrors(in.On)
	return map[string]bool{"ok": true}, nil
}

// fromLocalTool reports whether r comes from a tool on this machine rather
// than a web page in a browser: a page on another origin can send a simple
// POST to a loopback port (Origin is then set and not the fake's own:
// https://fetch.spec.whatwg.org/#origin-header), and one served under a
// host name that resolves to 127.0.0.1 (DNS rebinding) names that host in
// the Host header.
func fromLocalTool(r *http.Request) bool {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return false
	}
	origin := r.Header.Get("Origin")
	return origin == "" || origin == "http://"+r.Host
}
