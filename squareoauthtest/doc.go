// Package squareoauthtest runs a fake Square OAuth server for tests, the way
// net/http/httptest runs an HTTP server: real HTTP on a loopback port, with
// the state Square keeps (authorization codes, access and refresh tokens, a
// clock) and the rules Square enforces.
//
// The fake checks every request against Square's API description and
// documented header rules ("Client <secret>" on /oauth2/revoke,
// "Bearer <token>" on /oauth2/token/status, a Square-Version that is a
// date, the redirect_uri of the authorization, and so on). A request that
// breaks one gets the error Square would answer with, and also fails the
// test that started the server, when the test ends: code that Square would
// reject cannot pass.
//
// A test of code that holds tokens:
//
//	func TestConnect(t *testing.T) {
//		srv := squareoauthtest.NewServer(t)
//		c, err := squareoauth.New(srv.Config())
//		if err != nil {
//			t.Fatal(err)
//		}
//		code := srv.Authorize("MLSELLER0001", "PAYMENTS_READ") // the seller consents
//		tok, err := c.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{
//			GrantType: squareoauth.GrantTypeAuthorizationCode,
//			Code:      code,
//		})
//		if err != nil {
//			t.Fatal(err)
//		}
//		srv.ExpireAccessTokens("MLSELLER0001") // as if 30 days had passed
//		_, err = c.RetrieveTokenStatus(t.Context(), tok.AccessToken)
//		// err is a *squareoauth.Error with HasCode("UNAUTHORIZED"): now test
//		// that your code refreshes with tok.RefreshToken.
//	}
//
// A test of an OAuth callback handler, through the browser redirect: the
// authorize page at srv.URL + "/oauth2/authorize" approves at once, as
// seller [DefaultMerchantID] (see [Server.SetConsent] and
// [Server.DenyConsent]), and redirects to the URL given to
// [Server.SetRedirectURL], or to the request's redirect_uri, with code and
// state in the query, as Square does. A code issued for a redirect_uri is
// exchanged only with that same ObtainTokenRequest.RedirectURI.
//
// Start where a seller starts, at your login handler, with a client that
// keeps cookies like a browser: a callback that checks the state against a
// cookie the login handler set (as in the README's OAuth flow) refuses a
// redirect that arrives without it.
//
//	srv := squareoauthtest.NewServer(t)
//	c, err := squareoauth.New(srv.Config())
//	if err != nil {
//		t.Fatal(err)
//	}
//	app := httptest.NewServer(yourMux(c)) // your /login and /square/callback
//	t.Cleanup(app.Close)
//	srv.SetRedirectURL(app.URL + "/square/callback")
//	browser := app.Client()
//	browser.Jar, _ = cookiejar.New(nil) // keeps the state cookie
//	resp, err := browser.Get(app.URL + "/login")
//	// The client followed /login -> Square's authorize page -> your
//	// callback (and wherever it redirects): resp is the last answer.
//
// Outside a test (an Example, a program, a test harness of your own),
// [Start] starts the same server and [Server.Close] stops it and returns an
// error listing the requests Square would have refused; [Server.Violations]
// lists them at any time. A method given an argument Square would never
// accept (a merchant ID shorter than Square's, say) stops at once with a
// message naming the argument and the rule: by t.Fatal for a server from
// [NewServer], by a panic for one from [Start].
//
// For applications in other languages, "squareoauth fake" serves the same
// server on a loopback port; the command is
// github.com/squareoauth/squareoauth/cmd/squareoauth, and "squareoauth fake
// --help" documents its admin endpoint.
//
// Errors and outages are injected per path with [Server.InjectFault],
// [Server.Advance] moves the clock, and [Server.Requests] and [Server.Hits]
// show exactly what the code under test sent. The server's credentials,
// codes and tokens are random and fake; a failure message may quote what a
// bad request carried, so give the code under test only those, never real
// ones.
package squareoauthtest
