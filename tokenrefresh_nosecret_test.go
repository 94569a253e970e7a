package squareoauth_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth"
)

// A code-flow refresh token is refreshed with the client secret. A Client
// configured without one (a deployment missing a setting) sends nothing,
// since Square could only refuse, and does not report the refusal as the
// seller's: the error names Config.ClientSecret and is not a
// *RefreshError, even once the access token has expired and Square can no
// longer be asked whether the authorization lives.
func TestRefreshCodeFlowWithoutClientSecret(t *testing.T) {
	t.Parallel()
	f := setup(t)
	noSecret, err := squareoauth.New(squareoauth.Config{ClientID: testClientID, BaseURL: f.url})
	if err != nil {
		t.Fatal(err)
	}
	for _, left := range []time.Duration{time.Hour, -time.Hour} {
		tok := f.token(t, left)
		before := len(f.fake.Requests())
		_, err := noSecret.Refresh(t.Context(), tok)
		var refusal *squareoauth.RefreshError
		if err == nil || errors.As(err, &refusal) || !strings.Contains(err.Error(), "Config.ClientSecret") {
			t.Errorf("access token left %v: Refresh = %v; want a passing error naming Config.ClientSecret", left, err)
		}
		if sent := len(f.fake.Requests()) - before; sent != 0 {
			t.Errorf("access token left %v: %d requests sent, want none", left, sent)
		}
		assertNoSecrets(t, err, tok.AccessToken, tok.RefreshToken)

		ts := noSecret.TokenSource(tok)
		if _, err := ts.TokenContext(t.Context()); errors.As(err, &refusal) {
			t.Errorf("access token left %v: TokenSource.Token = %v; want no *RefreshError", left, err)
		}
	}
}
