package squareoauthtest_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"
)

// TestExamplesAreCopyable keeps the Example functions of the root package
// and of this one whole on the page: each uses only importable packages
// and nothing declared beside it in its file, so a reader can copy one.
func TestExamplesAreCopyable(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"../example_test.go", "example_test.go"} {
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if path, _ := strconv.Unquote(imp.Path.Value); strings.Contains(path, "/internal/") {
				t.Errorf("%s imports %s, which a reader cannot import", file, path)
			}
		}
		examples := 0
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if strings.HasPrefix(d.Name.Name, "Example") {
					examples++
					continue
				}
				t.Errorf("%s declares func %s beside its examples; write it into each example", file, d.Name.Name)
			case *ast.GenDecl:
				if d.Tok != token.IMPORT {
					t.Errorf("%s declares a %s beside its examples; write it into each example", file, d.Tok)
				}
			}
		}
		if examples == 0 {
			t.Errorf("%s has no examples", file)
		}
	}
}
