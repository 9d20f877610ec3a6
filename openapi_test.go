package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// registeredRoutes reads the patterns routes() registers from the source,
// so that a route added there is seen here without anyone copying it.
// Patterns without a method (the catch-alls "/api/" and "/") are not
// routes of the API.
func registeredRoutes(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	consts := map[string]string{}
	var routesFunc *ast.FuncDecl
	files, _ := filepath.Glob("*.go")
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.GenDecl:
				if d.Tok != token.CONST {
					continue
				}
				for _, spec := range d.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if i < len(vs.Values) {
							if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
								consts[n.Name], _ = strconv.Unquote(lit.Value)
							}
						}
					}
				}
			case *ast.FuncDecl:
				if d.Name.Name == "routes" && d.Recv != nil {
					routesFunc = d
				}
			}
		}
	}
	if routesFunc == nil {
		t.Fatal("no routes() found")
	}
	var routes []string
	ast.Inspect(routesFunc.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || (sel.Sel.Name != "handle" && sel.Sel.Name != "Handle") {
			return true
		}
		var pattern string
		switch a := call.Args[0].(type) {
		case *ast.BasicLit:
			pattern, _ = strconv.Unquote(a.Value)
		case *ast.Ident:
			pattern, ok = consts[a.Name]
			if !ok {
				t.Fatalf("routes(): pattern %s is not a string constant", a.Name)
			}
		default:
			t.Fatalf("routes(): a pattern that is neither a string nor a constant at %s", fset.Position(call.Pos()))
		}
		if strings.Contains(pattern, " ") {
			routes = append(routes, pattern)
		}
		return true
	})
	return routes
}

// TestOpenAPICoversRoutes fails when a route is registered that the
// document does not describe, or the document describes one that is not
// registered.
func TestOpenAPICoversRoutes(t *testing.T) {
	registered := registeredRoutes(t)
	if len(registered) < 50 {
		t.Fatalf("found only %d routes in routes(); is the parser still reading it?", len(registered))
	}
	ts := newTestServer(t, config{})
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	newClient(t, ts.URL).must(200, "GET", "/api/openapi.json", nil).JSON(&doc)
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+p] = true
		}
	}
	want := map[string]bool{}
	for _, r := range registered {
		m, p := openAPIPath(r)
		key := strings.ToUpper(m) + " " + p
		want[key] = true
		if !documented[key] {
			t.Errorf("%s is registered in routes() but not described in the OpenAPI document: add it to apiOps in openapi.go", r)
		}
	}
	for key := range documented {
		if !want[key] {
			t.Errorf("the OpenAPI document describes %s, which routes() does not register", key)
		}
	}
	seen := map[string]bool{}
	for _, op := range apiOps {
		if seen[op.Route] {
			t.Errorf("%s is described twice", op.Route)
		}
		seen[op.Route] = true
	}
}

// TestOpenAPIExamples runs every example request the document gives
// against a real server, in the document's order, signed in as the account
// the first example creates, and checks the status it documents and the
// shape of the JSON answer against the documented schema.
func TestOpenAPIExamples(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	var doc map[string]any
	c.must(200, "GET", "/api/openapi.json", nil).JSON(&doc)
	paths := doc["paths"].(map[string]any)
	ran := 0
	for _, op := range apiOps {
		if op.Example == nil {
			continue
		}
		method, p := openAPIPath(op.Route)
		o := paths[p].(map[string]any)[method].(map[string]any)
		// The request, from the document alone.
		target := p
		query := url.Values{}
		params, _ := o["parameters"].([]any)
		for _, raw := range params {
			param := raw.(map[string]any)
			ex, ok := param["example"].(string)
			switch {
			case !ok:
			case param["in"] == "path":
				target = strings.Replace(target, "{"+param["name"].(string)+"}", url.PathEscape(ex), 1)
			case param["in"] == "query":
				query.Set(param["name"].(string), ex)
			}
		}
		if strings.Contains(target, "{") {
			t.Errorf("%s: the example leaves a path parameter unfilled: %s", op.Route, target)
			continue
		}
		if len(query) > 0 {
			target += "?" + query.Encode()
		}
		var body any
		if rb, ok := o["requestBody"].(map[string]any); ok {
			body = rb["content"].(map[string]any)["application/json"].(map[string]any)["example"]
		}
		responses := o["responses"].(map[string]any)
		var status string
		for code := range responses {
			if code[0] == '2' || code[0] == '1' {
				status = code
			}
		}
		r := c.do(strings.ToUpper(method), target, body)
		if strconv.Itoa(r.Status) != status {
			t.Errorf("%s %s: status %d, the document says %s; body %s", strings.ToUpper(method), target, r.Status, status, r.Body)
			continue
		}
		ran++
		content, _ := responses[status].(map[string]any)["content"].(map[string]any)
		if js, ok := content["application/json"].(map[string]any); ok {
			var got any
			if err := json.Unmarshal(r.Body, &got); err != nil {
				t.Errorf("%s: the answer is not JSON: %s", op.Route, r.Body)
				continue
			}
			if err := conforms(doc, js["schema"].(map[string]any), got, "$"); err != nil {
				t.Errorf("%s %s: the answer does not match its schema: %v\n%s", strings.ToUpper(method), target, err, r.Body)
			}
		}
	}
	if ran < 30 {
		t.Errorf("only %d examples ran", ran)
	}
}

// conforms checks v against the parts of JSON Schema the document uses:
// $ref, type (with null), properties, required, items, anyOf.
func conforms(doc map[string]any, schema map[string]any, v any, at string) error {
	if ref, ok := schema["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		return conforms(doc, doc["components"].(map[string]any)["schemas"].(map[string]any)[name].(map[string]any), v, at)
	}
	if alts, ok := schema["anyOf"].([]any); ok {
		for _, s := range alts {
			if conforms(doc, s.(map[string]any), v, at) == nil {
				return nil
			}
		}
		return fmt.Errorf("%s: matches none of anyOf", at)
	}
	var types []string
	switch ty := schema["type"].(type) {
	case string:
		types = []string{ty}
	case []any:
		for _, x := range ty {
			types = append(types, x.(string))
		}
	case nil:
		return nil
	}
	kind := "null"
	switch x := v.(type) {
	case bool:
		kind = "boolean"
	case float64:
		kind = "number"
		if x == float64(int64(x)) {
			kind = "integer"
		}
	case string:
		kind = "string"
	case []any:
		kind = "array"
	case map[string]any:
		kind = "object"
	}
	okType := false
	for _, ty := range types {
		if ty == kind || (ty == "number" && kind == "integer") {
			okType = true
		}
	}
	if !okType {
		return fmt.Errorf("%s: %s, want %v", at, kind, types)
	}
	switch x := v.(type) {
	case []any:
		if items, ok := schema["items"].(map[string]any); ok {
			for i, e := range x {
				if err := conforms(doc, items, e, fmt.Sprintf("%s[%d]", at, i)); err != nil {
					return err
				}
			}
		}
	case map[string]any:
		req, _ := schema["required"].([]any)
		for _, name := range req {
			if _, ok := x[name.(string)]; !ok {
				return fmt.Errorf("%s: no %s", at, name)
			}
		}
		props, _ := schema["properties"].(map[string]any)
		names := make([]string, 0, len(props))
		for name := range props {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if val, ok := x[name]; ok {
				if err := conforms(doc, props[name].(map[string]any), val, at+"."+name); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// TestOpenAPIDocumented: docs/api.md points to the document.
func TestOpenAPIDocumented(t *testing.T) {
	data, err := os.ReadFile("docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "/api/openapi.json") {
		t.Fatal("docs/api.md does not link to /api/openapi.json")
	}
}
