package authkit_test

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestProviderMethodsInGoDoc: go doc authkit shows the provider's whole
// API as its own documented methods (methods promoted from an embedded
// field are not listed under the type, and go doc Provider.Handler finds
// nothing for them).
func TestProviderMethodsInGoDoc(t *testing.T) {
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	d, err := doc.NewFromFiles(fset, files, "github.com/mcpauth/mcpauth/authkit")
	if err != nil {
		t.Fatal(err)
	}
	methods := map[string]string{}
	for _, typ := range d.Types {
		if typ.Name == "Provider" {
			for _, m := range typ.Methods {
				methods[m.Name] = m.Doc
			}
		}
	}
	for _, name := range []string{
		"Handler", "Routes", "Middleware", "Require", "Allow", "CheckCall", "Identity",
		"VerifyToken", "WriteError", "Issuer", "MCPURL", "ResourceMetadataURL", "Metadata",
		"Check", "Prime", "Close", "Stats", "Profile", "ForgetProfile",
	} {
		if doc, ok := methods[name]; !ok {
			t.Errorf("Provider.%s is not a documented method of authkit.Provider", name)
		} else if !strings.HasPrefix(doc, name+" ") {
			t.Errorf("Provider.%s: doc comment %q does not start with its name", name, doc)
		}
	}
}
