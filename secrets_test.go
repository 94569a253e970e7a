package squareoauth_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/internal/fakesquare"
)

// One canary per kind of secret. Each is long and unique, so finding it
// anywhere means that secret leaked.
const (
	canarySecret    = "sq0csp-CANARY-client-secret-9f3a"
	canaryAccess    = "EAAA-CANARY-access-token-5b21e"
	canaryRefresh   = "EQAA-CANARY-refresh-token-7c4d0"
	canaryCode      = "sq0cgb-CANARY-auth-code-1e8b"
	canaryVerifier  = "CANARY-code-verifier-3d6f-0000000000000000000"
	canaryMigration = "EAAA-CANARY-migration-token-2a9c"
)

var canaries = []string{canarySecret, canaryAccess, canaryRefresh, canaryCode, canaryVerifier, canaryMigration}

// TestModelsPrintRedacted: every type that carries a secret prints it
// redacted, and still encodes it in JSON.
func TestModelsPrintRedacted(t *testing.T) {
	t.Parallel()
	obtainReq := squareoauth.ObtainTokenRequest{ClientID: "sq0idp-x", ClientSecret: canarySecret, Code: canaryCode,
		CodeVerifier: canaryVerifier, RefreshToken: canaryRefresh, MigrationToken: canaryMigration, GrantType: squareoauth.GrantTypeAuthorizationCode}
	obtainResp := squareoauth.ObtainTokenResponse{AccessToken: canaryAccess, RefreshToken: canaryRefresh, MerchantID: "MLX12345"}
	revokeReq := squareoauth.RevokeTokenRequest{AccessToken: canaryAccess, ClientID: "sq0idp-x"}
	tok := squareoauth.Token{AccessToken: canaryAccess, RefreshToken: canaryRefresh, ExpiresAt: time.Now()}
	cfg := squareoauth.Config{ClientID: "sq0idp-x", ClientSecret: canarySecret}
	values := map[string]any{
		"ObtainTokenRequest": obtainReq, "&ObtainTokenRequest": &obtainReq,
		"ObtainTokenResponse": obtainResp, "&ObtainTokenResponse": &obtainResp,
		"RevokeTokenRequest": revokeReq, "&RevokeTokenRequest": &revokeReq,
		"Token": tok, "&Token": &tok,
		"Config": cfg, "&Config": &cfg,
	}
	for name, v := range values {
		assertNoSecrets(t, v, canaries...)
		// Inside other values fmt still calls String; slog's JSON handler
		// uses encoding/json there, which by design stays complete.
		for _, nested := range []any{[]any{v}, struct{ V any }{v}, map[string]any{"v": v}} {
			for _, form := range []string{fmt.Sprint(nested), fmt.Sprintf("%+v", nested), fmt.Sprintf("%#v", nested)} {
				for _, c := range canaries {
					if strings.Contains(form, c) {
						t.Errorf("%s nested: secret %q leaked into %q", name, c, form)
					}
				}
			}
		}
	}
	for name, v := range map[string]any{"ObtainTokenRequest": obtainReq, "ObtainTokenResponse": obtainResp, "RevokeTokenRequest": revokeReq} {
		encoded, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(encoded), "CANARY") {
			t.Errorf("%s: JSON %s lost the secrets; encoding must stay complete", name, encoded)
		}
	}
	if s := fmt.Sprint(values["ObtainTokenResponse"]); !strings.Contains(s, `MerchantID:"MLX12345"`) || !strings.Contains(s, "AccessToken:[REDACTED]") {
		t.Errorf("redacted form %q lost the non-secret fields or the redaction mark", s)
	}
}

// TestEveryVerbRedacts prints every type that holds a secret under every
// fmt verb, with widths and flags, on its own, behind a pointer, and inside
// slices, arrays, maps and exported struct fields (typed and as any):
// none shows a secret. %p, and %w outside fmt.Errorf, are left out: fmt
// prints a value's fields for them without asking the type (see the
// README), and go vet reports both.
func TestEveryVerbRedacts(t *testing.T) {
	t.Parallel()
	client, err := squareoauth.New(squareoauth.Config{ClientID: "sq0idp-x", ClientSecret: canarySecret})
	if err != nil {
		t.Fatal(err)
	}
	obtainReq := squareoauth.ObtainTokenRequest{ClientID: "sq0idp-x", ClientSecret: canarySecret, Code: canaryCode,
		CodeVerifier: canaryVerifier, RefreshToken: canaryRefresh, MigrationToken: canaryMigration}
	obtainResp := squareoauth.ObtainTokenResponse{AccessToken: canaryAccess, RefreshToken: canaryRefresh, IDToken: canaryMigration}
	revokeReq := squareoauth.RevokeTokenRequest{AccessToken: canaryAccess}
	tok := squareoauth.Token{AccessToken: canaryAccess, RefreshToken: canaryRefresh}
	cfg := squareoauth.Config{ClientID: "sq0idp-x", ClientSecret: canarySecret}
	// Body is never printed: it may hold a credential a truncated answer
	// carried, which no redactor could find.
	answerErr := &squareoauth.Error{StatusCode: 200, Body: []byte(`{"access_token":"` + canaryAccess), Header: http.Header{}}
	values := map[string]any{
		"Token": tok, "*Token": &tok, "Config": cfg, "*Config": &cfg, "*Client": client, "Client": *client,
		"ObtainTokenRequest": obtainReq, "*ObtainTokenRequest": &obtainReq,
		"ObtainTokenResponse": obtainResp, "*ObtainTokenResponse": &obtainResp,
		"RevokeTokenRequest": revokeReq, "*RevokeTokenRequest": &revokeReq,
		"*Error": answerErr, "Error": *answerErr, "*TokenSource": client.TokenSource(tok),
	}
	// A RefreshError wrapping such an *Error, as errors.As finds it.
	f := setup(t, func(c *squareoauth.Config) { c.ClientSecret = canarySecret })
	f.fake.InjectFault(tokenPath, fakesquare.Fault{Status: 400, Header: jsonHeader(),
		Body: []byte(`{"errors":[{"category":"INVALID_REQUEST_ERROR","code":"BAD_REQUEST"}],"x":"` + canaryRefresh + `"}`)})
	_, err = f.client.TokenSource(tok).TokenContext(t.Context())
	var refreshErr *squareoauth.RefreshError
	if !errors.As(err, &refreshErr) {
		t.Fatalf("got %v; want a RefreshError", err)
	}
	values["*RefreshError"] = refreshErr
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%t", "%o", "%O", "%b", "%e", "%E", "%f",
		"%F", "%g", "%G", "%U", "%c", "%T", "%z", "%10.4v", "%-80s", "%+q", "%#q", "% x", "%#x", "%08d", "%+#v"}
	for name, v := range values {
		rv := reflect.ValueOf(v)
		// Containers of the value's own type, built by reflection.
		slice := reflect.MakeSlice(reflect.SliceOf(rv.Type()), 1, 1)
		slice.Index(0).Set(rv)
		array := reflect.New(reflect.ArrayOf(2, rv.Type())).Elem()
		array.Index(1).Set(rv)
		m := reflect.MakeMap(reflect.MapOf(reflect.TypeFor[string](), rv.Type()))
		m.SetMapIndex(reflect.ValueOf("k"), rv)
		field := reflect.New(reflect.StructOf([]reflect.StructField{{Name: "Held", Type: rv.Type()}}))
		field.Elem().Field(0).Set(rv)
		containers := map[string]any{
			"bare": v, "[]T": slice.Interface(), "[2]T": array.Interface(), "map[string]T": m.Interface(),
			"struct{Held T}": field.Elem().Interface(), "*struct{Held T}": field.Interface(),
			"[]any": []any{v}, "map[any]any": map[any]any{1: v}, "struct{V any}": struct{ V any }{v},
		}
		for cname, c := range containers {
			for _, verb := range verbs {
				out := fmt.Sprintf(verb, c)
				for _, canary := range canaries {
					if strings.Contains(out, canary) || strings.Contains(out, fmt.Sprintf("%x", canary)) {
						t.Errorf("%s in %s under %s: a secret leaked into %.300q", name, cname, verb, out)
					}
				}
			}
		}
	}
	if got := fmt.Sprintf("%-40.20s|", tok); got != fmt.Sprintf("%-40.20s|", tok.String()) {
		t.Errorf("width and precision are lost: %q", got)
	}
	if got := fmt.Sprintf("%d", tok); !strings.HasPrefix(got, "%!d(squareoauth.Token=squareoauth.Token{AccessToken:[REDACTED]") {
		t.Errorf("%%d = %q; want fmt's bad-verb mark around the redacted form", got)
	}
}

// TestNoSecretInAnyErrorPath drives every public call with canary
// credentials into answers that echo every canary back, and checks that no
// credential the call carried, and none the answer issued in a credential
// field, shows in any printed form of the error.
func TestNoSecretInAnyErrorPath(t *testing.T) {
	t.Parallel()
	echo := strings.Join(canaries, " ")
	issued := `{"access_token":"` + canaryAccess + `","refresh_token":"` + canaryRefresh + `","code":"` + canaryCode + `"`
	answers := []struct {
		fault  fakesquare.Fault
		issues []string // credentials the answer carries in credential fields
	}{
		{fault: fakesquare.Fault{Status: 401, Header: jsonHeader(), Body: []byte(`{"errors":[{"category":"` + echo + `","code":"` + echo + `","detail":"` + echo + `","field":"` + echo + `"}]}`)}},
		{fault: fakesquare.Fault{Status: 400, Header: jsonHeader(), Body: []byte(`{"message":"` + echo + `","type":"` + echo + `","field":"` + echo + `"}`)}},
		{fault: fakesquare.Fault{Status: 502, Header: http.Header{"Content-Type": {"text/html"}}, Body: []byte("<p>" + echo + "</p>")}},
		{fault: fakesquare.Fault{Header: jsonHeader(), Body: []byte(issued + `,"success":true,"errors":[{"category":"X","code":"Y","detail":"` + echo + `"}]}`)},
			issues: []string{canaryAccess, canaryRefresh, canaryCode}},
		{fault: fakesquare.Fault{Header: jsonHeader(), Body: []byte(issued)}, issues: canaries}, // truncated: Error() must not quote it at all
		{fault: fakesquare.Fault{Status: 429, Header: http.Header{"Retry-After": {"3600"}}, Body: []byte(echo)}},
		{fault: fakesquare.Fault{Drop: true}},
	}
	requests := []struct {
		name    string
		path    string
		carries []string
		call    func(*squareoauth.Client) error
	}{
		{"code exchange", tokenPath, []string{canarySecret, canaryCode}, func(c *squareoauth.Client) error {
			_, err := c.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{GrantType: squareoauth.GrantTypeAuthorizationCode, Code: canaryCode})
			return err
		}},
		{"PKCE exchange", tokenPath, []string{canaryCode, canaryVerifier}, func(c *squareoauth.Client) error {
			_, err := c.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{GrantType: squareoauth.GrantTypeAuthorizationCode, Code: canaryCode, CodeVerifier: canaryVerifier})
			return err
		}},
		{"refresh", tokenPath, []string{canarySecret, canaryRefresh}, func(c *squareoauth.Client) error {
			_, err := c.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{GrantType: squareoauth.GrantTypeRefreshToken, RefreshToken: canaryRefresh})
			return err
		}},
		{"migration", tokenPath, []string{canarySecret, canaryMigration}, func(c *squareoauth.Client) error {
			_, err := c.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{GrantType: squareoauth.GrantTypeMigrationToken, MigrationToken: canaryMigration})
			return err
		}},
		{"revoke", "/oauth2/revoke", []string{canarySecret, canaryAccess}, func(c *squareoauth.Client) error {
			_, err := c.RevokeToken(t.Context(), squareoauth.RevokeTokenRequest{AccessToken: canaryAccess})
			return err
		}},
		{"status", "/oauth2/token/status", []string{canaryAccess}, func(c *squareoauth.Client) error {
			_, err := c.RetrieveTokenStatus(t.Context(), canaryAccess)
			return err
		}},
		{"token source", tokenPath, []string{canarySecret, canaryRefresh, canaryAccess}, func(c *squareoauth.Client) error {
			_, err := c.TokenSource(squareoauth.Token{AccessToken: canaryAccess, RefreshToken: canaryRefresh}).TokenContext(t.Context())
			return err
		}},
	}
	for _, r := range requests {
		for i, answer := range answers {
			t.Run(fmt.Sprintf("%s/answer %d", r.name, i), func(t *testing.T) {
				t.Parallel()
				f := setup(t, func(c *squareoauth.Config) {
					c.ClientSecret = canarySecret
					c.Retry = fastRetries
				})
				for range 5 {
					f.fake.InjectFault(r.path, answer.fault)
				}
				err := r.call(f.client)
				if err == nil {
					t.Fatalf("want an error")
				}
				secrets := append(append([]string(nil), r.carries...), answer.issues...)
				assertNoSecrets(t, err, secrets...)
				var e *squareoauth.Error
				if errors.As(err, &e) {
					assertNoSecrets(t, e.Errors, secrets...)
					// Body is never printed; a decodable one is redacted too.
					if json.Valid(answer.fault.Body) {
						for _, c := range secrets {
							if bytes.Contains(e.Body, []byte(c)) {
								t.Errorf("Body kept %q from a decodable answer: %s", c, e.Body)
							}
						}
					}
				}
			})
		}
	}
	// The paths that refuse before sending.
	c, err := squareoauth.New(squareoauth.Config{ClientID: "sq0idp-x", ClientSecret: canarySecret + "\n"})
	assertNoSecrets(t, err, canaries...)
	if c != nil {
		t.Errorf("New accepted a secret with a newline")
	}
	c = newClient(t, "")
	for _, bad := range []func() error{
		func() error {
			_, err := c.RetrieveTokenStatus(t.Context(), "Bearer "+canaryAccess)
			return err
		},
		func() error {
			_, err := c.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{GrantType: "password", Code: canaryCode, CodeVerifier: canaryVerifier})
			return err
		},
		func() error {
			_, err := c.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{GrantType: squareoauth.GrantTypeRefreshToken, RefreshToken: canaryRefresh + " x"})
			return err
		},
		func() error {
			_, err := c.AuthorizeURL(squareoauth.AuthorizeOptions{State: canaryCode, Locale: "xx"})
			return err
		},
		func() error {
			_, err := squareoauth.ParseCallback(url.Values{"code": {canaryCode}, "state": {canaryVerifier}}, canaryVerifier+"x")
			return err
		},
	} {
		err := bad()
		if err == nil {
			t.Errorf("want an error")
		}
		assertNoSecrets(t, err, canaries...)
	}
}
