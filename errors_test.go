package squareoauth_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/internal/fakesquare"
)

func TestHasCodeLooksAtEveryError(t *testing.T) {
	t.Parallel()
	e := &squareoauth.Error{Errors: []squareoauth.ErrorDetail{{Code: "NEVER_SEEN_BEFORE"}, {Code: "UNAUTHORIZED"}}}
	if !e.HasCode("UNAUTHORIZED") || e.HasCode("FORBIDDEN") {
		t.Errorf("HasCode: UNAUTHORIZED %v, FORBIDDEN %v; want true, false", e.HasCode("UNAUTHORIZED"), e.HasCode("FORBIDDEN"))
	}
}

// TestOnlySquaresShapesAreSquaresErrors: Square's legacy body has both
// message and type, and its v2 errors each have a category and a code. A
// gateway's JSON (AWS API Gateway and Kong answer {"message":"Forbidden"})
// is not Square's: it yields no ErrorDetail, Error() quotes its message,
// and a TokenSource takes it for a passing failure, not for Square's
// refusal of the refresh token.
func TestOnlySquaresShapesAreSquaresErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body     string
		wantCode string // "" when the body is not Square's
		wantText string
	}{
		{`{"message":"Forbidden"}`, "", `403 Forbidden: not in Square's error format: message "Forbidden"`},
		{`{"message":"Missing Authentication Token\nlevel=ERROR"}`, "", `message "Missing Authentication Token\nlevel=ERROR"`},
		{`{"type":"bad_request"}`, "", "no Square errors in 22-byte body (application/json)"},
		{`{"errors":[{"status":"403","title":"Forbidden"}]}`, "", "no Square errors in 49-byte body"},
		{`{"errors":[{"category":"AUTHENTICATION_ERROR","code":"FORBIDDEN"},{"title":"x"}]}`, "", "no Square errors"},
		{`{"message":"cannot renew revoked token","type":"bad_request"}`, "bad_request", "403 Forbidden: bad_request: cannot renew revoked token"},
		{`{"errors":[{"category":"AUTHENTICATION_ERROR","code":"FORBIDDEN"}]}`, "FORBIDDEN", "403 Forbidden: FORBIDDEN"},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			t.Parallel()
			f := setup(t, noRetry)
			fault := fakesquare.Fault{Status: http.StatusForbidden, Header: jsonHeader(), Body: []byte(tt.body)}
			f.fake.InjectFault("/oauth2/token/status", fault)
			_, err := f.client.RetrieveTokenStatus(t.Context(), "EAAA-some-access-token-00000000")
			e := asError(t, err)
			gotCode := ""
			if len(e.Errors) > 0 {
				gotCode = e.Errors[0].Code
			}
			if gotCode != tt.wantCode || len(e.Errors) > 1 {
				t.Errorf("Errors = %+v; want first code %q", e.Errors, tt.wantCode)
			}
			if !strings.Contains(e.Error(), tt.wantText) {
				t.Errorf("Error() = %q; want it to contain %q", e.Error(), tt.wantText)
			}

			f.fake.InjectFault("/oauth2/token", fault)
			ts := f.client.TokenSource(squareoauth.Token{AccessToken: "EAAA-expired-access-token-0000", RefreshToken: "EQAA-refresh-token-00000000000"})
			_, err = ts.TokenContext(t.Context())
			var refreshErr *squareoauth.RefreshError
			if permanent := errors.As(err, &refreshErr); permanent != (tt.wantCode != "") {
				t.Errorf("refresh answered with it: %v; want a permanent RefreshError only for Square's own body", err)
			}
		})
	}
}

func TestFakeErrorShapes(t *testing.T) {
	t.Parallel()
	for _, legacy := range []bool{false, true} {
		f := setup(t)
		f.fake.SetLegacyErrors(legacy)
		_, err := f.client.RetrieveTokenStatus(t.Context(), "EAAA-CANARY-unknown-access-token")
		e := asError(t, err)
		if e.StatusCode != http.StatusUnauthorized || len(e.Errors) != 1 || e.Errors[0].Detail == "" {
			t.Fatalf("legacy=%v: got %#v; want one 401 error with a detail", legacy, e)
		}
		if gotCategory := e.Errors[0].Category; (gotCategory == "") != legacy {
			t.Errorf("legacy=%v: category %q; want one only in the v2 shape", legacy, gotCategory)
		}
		assertNoSecrets(t, err, "EAAA-CANARY-unknown-access-token")
	}
}

func TestCodeIsSingleUse(t *testing.T) {
	t.Parallel()
	f := setup(t)
	code := f.fake.Authorize(testMerchantID)
	req := squareoauth.ObtainTokenRequest{GrantType: squareoauth.GrantTypeAuthorizationCode, Code: code}
	if _, err := f.client.ObtainToken(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	_, err := f.client.ObtainToken(t.Context(), req)
	if e := asError(t, err); e.StatusCode/100 != 4 || len(e.Errors) == 0 {
		t.Errorf("second exchange of one code: %v; want a 4xx with Square errors", err)
	}
	assertNoSecrets(t, err, code, testClientSecret)
}

func TestExpiredTokenIsUnauthorized(t *testing.T) {
	t.Parallel()
	f := setup(t)
	tok := f.obtain(t)
	f.fake.Advance(31 * 24 * time.Hour)
	_, err := f.client.RetrieveTokenStatus(t.Context(), tok.AccessToken)
	if e := asError(t, err); !e.HasCode("UNAUTHORIZED") {
		t.Errorf("expired token: %v; want UNAUTHORIZED", err)
	}
}
