package squareoauthtest_test

import (
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/squareoauthtest"
)

// TestCallbackRecipe follows the package documentation's test of a callback
// handler: handlers shaped like the README's login and callback (state in a
// Secure, HttpOnly cookie), driven from /login by a client with a cookie jar
// through the fake's authorize page, end with the token saved.
func TestCallbackRecipe(t *testing.T) {
	t.Parallel()
	srv := squareoauthtest.NewServer(t)
	c, err := squareoauth.New(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	saved := make(chan squareoauth.Token, 1)
	app := httptest.NewServer(recipeMux(c, func(_ context.Context, tok squareoauth.Token) error {
		saved <- tok
		return nil
	}))
	t.Cleanup(app.Close)
	srv.SetRedirectURL(app.URL + "/square/callback")
	browser := app.Client()
	browser.Jar, _ = cookiejar.New(nil)
	resp, err := browser.Get(app.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "connected" {
		t.Fatalf("the flow ended with %d %q, want 200 \"connected\"", resp.StatusCode, body)
	}
	select {
	case tok := <-saved:
		if tok.MerchantID != squareoauthtest.DefaultMerchantID || tok.AccessToken == "" {
			t.Errorf("saved a token for %q (access token set: %v), want one for %q",
				tok.MerchantID, tok.AccessToken != "", squareoauthtest.DefaultMerchantID)
		}
	default:
		t.Fatal("the callback saved no token")
	}
}

// recipeMux is an application shaped like the README's OAuth flow.
func recipeMux(c *squareoauth.Client, save func(context.Context, squareoauth.Token) error) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		state := rand.Text()
		u, err := c.AuthorizeURL(squareoauth.AuthorizeOptions{Scopes: []string{"PAYMENTS_READ"}, State: state})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "square_state", Value: state, Path: "/", MaxAge: 600,
			Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		http.Redirect(w, r, u, http.StatusFound)
	})
	mux.HandleFunc("/square/callback", func(w http.ResponseWriter, r *http.Request) {
		state, err := r.Cookie("square_state")
		if err != nil {
			http.Error(w, "no authorization in progress", http.StatusBadRequest)
			return
		}
		code, err := squareoauth.ParseCallback(r.URL.Query(), state.Value)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		resp, err := c.ObtainToken(r.Context(), squareoauth.ObtainTokenRequest{
			GrantType: squareoauth.GrantTypeAuthorizationCode,
			Code:      code,
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		tok, err := resp.Token()
		if err == nil {
			err = save(r.Context(), tok)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, "/done", http.StatusSeeOther)
	})
	mux.HandleFunc("/done", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "connected") })
	return mux
}
