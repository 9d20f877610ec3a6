package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// goEvents reads every Event constant declared in events.go: name without
// "Event" -> value.
func goEvents(t *testing.T) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "events.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Event" {
				continue
			}
			for i, name := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Fatalf("events.go: %s is not a string literal", name.Name)
				}
				v, _ := strconv.Unquote(lit.Value)
				key, ok := strings.CutPrefix(name.Name, "Event")
				if !ok || key == "" {
					t.Fatalf("events.go: constant %s of type Event is not named Event<Name>", name.Name)
				}
				out[key] = v
			}
		}
	}
	return out
}

var (
	jsEventsOpen  = regexp.MustCompile(`^export const Events = Object\.freeze\(\{$`)
	jsEventsEntry = regexp.MustCompile(`^\s*([A-Za-z][A-Za-z0-9]*): '([^'\\]*)',(\s*//.*)?$`)
)

// jsEvents reads ui/events.js: key -> value of the frozen Events object.
// Its lines inside the object are entries (Key: 'value',), comments and
// blank lines; anything else fails, so the file keeps a shape this test
// reads whole.
func jsEvents(src string) (map[string]string, error) {
	out := map[string]string{}
	in, closed := false, false
	for n, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case !in && jsEventsOpen.MatchString(line):
			in = true
		case !in:
			if trimmed != "" && !strings.HasPrefix(trimmed, "//") {
				return nil, fmt.Errorf("ui/events.js:%d: only comments may stand outside the Events object: %q", n+1, line)
			}
		case trimmed == "});":
			in, closed = false, true
		case trimmed == "" || strings.HasPrefix(trimmed, "//"):
		default:
			m := jsEventsEntry.FindStringSubmatch(line)
			if m == nil {
				return nil, fmt.Errorf("ui/events.js:%d: want  Name: 'value', got %q", n+1, line)
			}
			if _, dup := out[m[1]]; dup {
				return nil, fmt.Errorf("ui/events.js:%d: %s declared twice", n+1, m[1])
			}
			out[m[1]] = m[2]
		}
	}
	if !closed {
		return nil, fmt.Errorf("ui/events.js: no `export const Events = Object.freeze({ ... });`")
	}
	return out, nil
}

// TestEventNamesMatchUI keeps the event names declared in Go (events.go)
// and in the UI (ui/events.js) the same: each Go constant EventX has the
// key X in the UI's Events with the same value, and the other way round.
func TestEventNamesMatchUI(t *testing.T) {
	src, err := os.ReadFile("ui/events.js")
	if err != nil {
		t.Fatal(err)
	}
	js, err := jsEvents(string(src))
	if err != nil {
		t.Fatal(err)
	}
	g := goEvents(t)
	if len(g) == 0 {
		t.Fatal("no Event constants found in events.go")
	}
	var diffs []string
	for k, v := range g {
		if jv, ok := js[k]; !ok {
			diffs = append(diffs, "ui/events.js lacks "+k+": '"+v+"'")
		} else if jv != v {
			diffs = append(diffs, k+" is "+strconv.Quote(v)+" in Go, "+strconv.Quote(jv)+" in ui/events.js")
		}
	}
	for k, v := range js {
		if _, ok := g[k]; !ok {
			diffs = append(diffs, "events.go lacks Event"+k+" = "+strconv.Quote(v))
		}
	}
	seen := map[string]string{}
	for k, v := range g {
		if other, dup := seen[v]; dup {
			diffs = append(diffs, "Event"+k+" and Event"+other+" are both "+strconv.Quote(v))
		}
		seen[v] = k
	}
	sort.Strings(diffs)
	for _, d := range diffs {
		t.Error(d)
	}
}

// The reader above fails on a file it cannot read whole, and finds a
// difference in either direction.
func TestJSEventsReader(t *testing.T) {
	good := "// names\nexport const Events = Object.freeze({\n  // group\n  GoalCreated: 'goal.created', // note\n\n  ViewSet: 'set',\n});\n"
	got, err := jsEvents(good)
	if err != nil || len(got) != 2 || got["GoalCreated"] != "goal.created" || got["ViewSet"] != "set" {
		t.Fatalf("read %v, %v", got, err)
	}
	for name, src := range map[string]string{
		"entry in double quotes": "export const Events = Object.freeze({\n  GoalCreated: \"goal.created\",\n});\n",
		"code outside":           "const x = 1;\nexport const Events = Object.freeze({\n});\n",
		"not frozen":             "export const Events = {\n  GoalCreated: 'goal.created',\n};\n",
		"computed value":         "export const Events = Object.freeze({\n  GoalCreated: 'goal.' + 'created',\n});\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := jsEvents(src); err == nil {
				t.Errorf("%s was read without failing", name)
			}
		})
	}
}
