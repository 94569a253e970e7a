package main

import (
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// TestPackageDocListsEveryCommand keeps the command list of go doc in step
// with the commands the program runs, so that a reader of go doc meets
// every command "squareoauth --help" lists.
func TestPackageDocListsEveryCommand(t *testing.T) {
	t.Parallel()
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	if f.Doc == nil {
		t.Fatal("main.go has no package documentation")
	}
	doc := f.Doc.Text()
	for name := range commands {
		if !strings.Contains(doc, "\tsquareoauth "+name+" ") {
			t.Errorf("the package documentation does not list the command %q", name)
		}
	}
}
