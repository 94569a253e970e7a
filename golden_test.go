package squareoauth_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/internal/fakesquare"
)

func readGolden(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("api", "testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestGoldenPayloadsMatchSpec keeps api/testdata and openapi.yaml in step:
// every realistic payload must satisfy the schema it stands for.
func TestGoldenPayloadsMatchSpec(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)
	tests := map[string]string{
		"obtain_token.request.json":  "ObtainTokenRequest",
		"obtain_token.200.json":      "ObtainTokenResponse",
		"obtain_token.pkce.200.json": "ObtainTokenResponse",
		"revoke_token.request.json":  "RevokeTokenRequest",
		"revoke_token.200.json":      "RevokeTokenResponse",
		"token_status.200.json":      "RetrieveTokenStatusResponse",
		"error.v2.401.json":          "ErrorResponse",
		"error.legacy.400.json":      "ErrorResponse",
	}
	for file, schema := range tests {
		var v any
		if err := json.Unmarshal(readGolden(t, file), &v); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if err := doc.Components.Schemas[schema].Value.VisitJSON(v); err != nil {
			t.Errorf("%s does not match schema %s: %v", file, schema, err)
		}
	}
}

// TestGoldenAnswersThroughClient serves each golden answer to the Client and
// checks what the caller gets.
func TestGoldenAnswersThroughClient(t *testing.T) {
	t.Parallel()
	f := setup(t, noRetry)
	ctx := t.Context()
	access := f.obtain(t).AccessToken
	serve := func(path string, status int, contentType, file string) {
		f.fake.InjectFault(path, fakesquare.Fault{Status: status,
			Header: http.Header{"Content-Type": {contentType}}, Body: readGolden(t, file)})
	}

	serve("/oauth2/token", 200, "application/json", "obtain_token.pkce.200.json")
	tok, err := f.client.ObtainToken(ctx, squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeAuthorizationCode, Code: f.fake.Authorize(testMerchantID)})
	if err != nil {
		t.Fatal(err)
	}
	want := squareoauth.ObtainTokenResponse{
		AccessToken:           "EAAAEXAMPLEpkce-access-token-not-real-00000000000000000000000000",
		TokenType:             "bearer",
		ExpiresAt:             "2025-04-03T18:31:06Z",
		MerchantID:            "MLQW2MYBY81PZ",
		RefreshToken:          "EQAAEXAMPLEpkce-refresh-token-not-real-0000000000000000000000000",
		RefreshTokenExpiresAt: "2025-06-02T18:31:06Z",
	}
	if tok.AccessToken != want.AccessToken || tok.RefreshToken != want.RefreshToken || tok.ExpiresAt != want.ExpiresAt ||
		tok.MerchantID != want.MerchantID || tok.RefreshTokenExpiresAt != want.RefreshTokenExpiresAt || tok.TokenType != want.TokenType {
		t.Errorf("ObtainToken decoded %+v; want %+v", tok, want)
	}

	serve("/oauth2/token/status", 200, "application/json; charset=utf-8", "token_status.200.json")
	st, err := f.client.RetrieveTokenStatus(ctx, access)
	if err != nil {
		t.Fatal(err)
	}
	if st.ClientID != "sq0idp-uaPHILoPzWZk3tlJqlML0g" || st.ExpiresAt != "2022-10-14T14:44:00Z" || len(st.Scopes) != 2 {
		t.Errorf("RetrieveTokenStatus decoded %+v", st)
	}

	serve("/oauth2/revoke", 200, "application/json", "revoke_token.200.json")
	if rv, err := f.client.RevokeToken(ctx, squareoauth.RevokeTokenRequest{AccessToken: access}); err != nil || !rv.Success {
		t.Errorf("RevokeToken = %+v, %v", rv, err)
	}

	errorAnswers := []struct {
		status      int
		contentType string
		file        string
		wantCode    string
	}{
		{401, "application/json", "error.v2.401.json", "UNAUTHORIZED"},
		{400, "application/json", "error.legacy.400.json", "bad_request.invalid_parameter"},
		{502, "text/html", "error.html.502.html", ""},
	}
	for _, ea := range errorAnswers {
		serve("/oauth2/token/status", ea.status, ea.contentType, ea.file)
		_, err := f.client.RetrieveTokenStatus(ctx, access)
		e := asError(t, err)
		if e.StatusCode != ea.status || (ea.wantCode != "") != e.HasCode(ea.wantCode) || string(e.Body) != string(readGolden(t, ea.file)) {
			t.Errorf("%s: got %#v; want status %d, code %q and the body kept", ea.file, e, ea.status, ea.wantCode)
		}
	}
}
