package squareoauthtest_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/squareoauthtest"
)

// TestRefreshedToken is the README's "Test your own code" example, verbatim:
// TestREADMEShowsThisTest keeps the two the same.
func TestRefreshedToken(t *testing.T) {
	srv := squareoauthtest.NewServer(t) // a fake Square, closed with the test
	c, err := squareoauth.New(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	code := srv.Authorize("MLSELLER0001", "PAYMENTS_READ") // the seller consents
	resp, err := c.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeAuthorizationCode,
		Code:      code,
	})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := resp.Token()
	if err != nil {
		t.Fatal(err)
	}

	var stored squareoauth.Token
	ts := c.TokenSource(tok,
		squareoauth.RefreshMargin(31*24*time.Hour), // due at once: refresh now
		squareoauth.OnRefresh(func(_ context.Context, fresh squareoauth.Token) error {
			stored = fresh // your database here
			return nil
		}))
	fresh, err := ts.TokenContext(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if fresh.AccessToken == tok.AccessToken || stored.AccessToken != fresh.AccessToken {
		t.Fatalf("want a new, stored access token")
	}
	st, err := c.RetrieveTokenStatus(t.Context(), fresh.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if st.MerchantID != "MLSELLER0001" {
		t.Fatalf("merchant %q", st.MerchantID)
	}
}

func TestREADMEShowsThisTest(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "readme_test.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var fn *ast.FuncDecl
	for _, d := range f.Decls {
		if d, ok := d.(*ast.FuncDecl); ok && d.Name.Name == "TestRefreshedToken" {
			fn = d
		}
	}
	src, err := os.ReadFile("readme_test.go")
	if err != nil {
		t.Fatal(err)
	}
	body := string(src[fset.Position(fn.Type.Pos()).Offset:fset.Position(fn.End()).Offset])
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	// The whole fenced block, so that a broken fence fails too.
	if !strings.Contains(string(readme), "```go\n"+body+"\n```\n") {
		t.Errorf("README.md does not show TestRefreshedToken as written in squareoauthtest/readme_test.go:\n%s", body)
	}
}
