package squareoauth_test

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestGoDocReadsAsOneText reads the package documentation as go doc shows
// it: doc.go's text alone, the generator's leftovers gone (its package
// comment, its example server, "the swagger spec"), and the low-level
// generated API under its own heading, with NewClient told apart from New.
func TestGoDocReadsAsOneText(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	p := doc.New(pkgs["squareoauth"], "github.com/squareoauth/squareoauth", 0)

	for _, leftover := range []string{"primitives", "Code generated", "openapi HTTP API"} {
		if strings.Contains(p.Doc, leftover) {
			t.Errorf("the package documentation contains %q", leftover)
		}
	}
	if !strings.HasPrefix(p.Doc, "Package squareoauth is a client for Square's OAuth API") {
		t.Errorf("the package documentation starts %q; want doc.go's text", p.Doc[:min(60, len(p.Doc))])
	}
	_, lowLevel, ok := strings.Cut(p.Doc, "\n# Low-level generated API\n")
	if !ok || !strings.Contains(lowLevel, "NewClient is not [New]") {
		t.Errorf("no \"Low-level generated API\" heading that tells NewClient from New in:\n%s", p.Doc)
	}

	// Every doc comment go doc can show, fields included.
	var texts []string
	add := func(name, text string) { texts = append(texts, name+": "+text) }
	for _, f := range p.Funcs {
		add(f.Name, f.Doc)
	}
	for _, ty := range p.Types {
		add(ty.Name, ty.Doc)
		for _, f := range append(ty.Funcs, ty.Methods...) {
			add(ty.Name+"."+f.Name, f.Doc)
		}
		for _, spec := range ty.Decl.Specs {
			ast.Inspect(spec, func(n ast.Node) bool {
				if f, ok := n.(*ast.Field); ok && f.Doc != nil {
					add(ty.Name+" field", f.Doc.Text())
				}
				return true
			})
		}
	}
	leftovers := regexp.MustCompile(`(?i)swagger|deepmap|api\.deepmap\.com|reasonable defaults`)
	for _, text := range texts {
		if leftovers.MatchString(text) {
			t.Errorf("generator leftover in %s", text)
		}
	}
	for _, name := range []string{"NewClient", "NewClientWithResponses"} {
		for _, f := range p.Funcs {
			if f.Name == name && !strings.Contains(f.Doc, "[New]") {
				t.Errorf("%s's doc does not point to New: %q", name, f.Doc)
			}
		}
		for _, ty := range p.Types {
			for _, f := range ty.Funcs {
				if f.Name == name && !strings.Contains(f.Doc, "[New]") {
					t.Errorf("%s's doc does not point to New: %q", name, f.Doc)
				}
			}
		}
	}

	// Tools still see a generated file.
	gen, err := os.ReadFile("oauth.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^// Code generated .* DO NOT EDIT\.$`).Match(gen) {
		t.Error("oauth.gen.go lost its \"Code generated … DO NOT EDIT.\" line")
	}
}
