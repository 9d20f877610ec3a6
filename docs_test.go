package main

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestAPIDocExamplesAreTrue keeps docs/api.md's examples of the service
// endpoints true: the fields the server answers with and, for /healthz,
// the schema version this binary writes. A migration added without
// updating the doc fails here.
func TestAPIDocExamplesAreTrue(t *testing.T) {
	doc, err := os.ReadFile("docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	example := func(heading string) map[string]any {
		t.Helper()
		i := strings.Index(string(doc), "### `"+heading+"`")
		if i < 0 {
			t.Fatalf("docs/api.md has no section %q", heading)
		}
		m := regexp.MustCompile("`(?:200 )?(\\{[^`]*\\})`").FindStringSubmatch(string(doc[i:]))
		if m == nil {
			t.Fatalf("%s: no JSON example", heading)
		}
		// "open"|"closed" shows the choices; the first stands for them.
		text := regexp.MustCompile(`("[^"]*")(\|"[^"]*")+`).ReplaceAllString(m[1], "$1")
		var v map[string]any
		if err := json.Unmarshal([]byte(text), &v); err != nil {
			t.Fatalf("%s: example %s is not JSON: %v", heading, m[1], err)
		}
		return v
	}
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	for _, tc := range []struct{ heading, path string }{{"GET /healthz", "/healthz"}, {"GET /api/instance", "/api/instance"}} {
		want := example(tc.heading)
		var got map[string]any
		c.must(200, "GET", tc.path, nil).JSON(&got)
		keys := func(m map[string]any) []string {
			var k []string
			for key, v := range m {
				k = append(k, key)
				if sub, ok := v.(map[string]any); ok {
					for sk := range sub {
						k = append(k, key+"."+sk)
					}
				}
			}
			slices.Sort(k)
			return k
		}
		if !slices.Equal(keys(want), keys(got)) {
			t.Errorf("%s: the doc shows fields %v, the server answers %v", tc.path, keys(want), keys(got))
		}
		if tc.path == "/healthz" && want["schema"] != float64(schemaVersion) {
			t.Errorf("docs/api.md shows schema %v; this binary writes %d", want["schema"], schemaVersion)
		}
	}
}
