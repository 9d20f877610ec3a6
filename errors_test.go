package main

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestErrorCatalogueMatchesDocs keeps docs/api.md's error table and the
// server's errorCatalogue equal in both directions: every code the server
// can answer with is documented with its status and meaning, and every
// documented row is one the server has.
func TestErrorCatalogueMatchesDocs(t *testing.T) {
	doc, err := os.ReadFile("docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	start := strings.Index(text, "\n## Errors\n")
	if start < 0 {
		t.Fatal("docs/api.md has no ## Errors section")
	}
	section := text[start+1:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	type row struct {
		status        int
		code, meaning string
	}
	rowRE := regexp.MustCompile("^\\| (\\d{3}) \\| `([a-z_]+)` \\| (.+) \\|$")
	documented := map[row]int{}
	for _, line := range strings.Split(section, "\n") {
		m := rowRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		status, _ := strconv.Atoi(m[1])
		documented[row{status, m[2], m[3]}]++
	}
	if len(documented) == 0 {
		t.Fatal("docs/api.md's Errors section has no table rows like | 400 | `invalid_json` | meaning |")
	}
	inCode := map[row]int{}
	for c, e := range errorCatalogue {
		if e.Code == "" || e.Status < 400 || e.Meaning == "" {
			t.Errorf("catalogue entry %d is incomplete: %+v", c, e)
		}
		inCode[row{e.Status, e.Code, e.Meaning}]++
	}
	for r, n := range inCode {
		if documented[r] != n {
			t.Errorf("errorCatalogue has | %d | `%s` | %s |, docs/api.md does not (or not once)", r.status, r.code, r.meaning)
		}
	}
	for r := range documented {
		if inCode[r] == 0 {
			t.Errorf("docs/api.md lists | %d | `%s` | %s |, errorCatalogue does not", r.status, r.code, r.meaning)
		}
	}
}

// TestEveryErrorCodeIsCatalogued checks that each code constant has a row,
// so that no error reaches a client as an unknown code.
func TestEveryErrorCodeIsCatalogued(t *testing.T) {
	for c := codeInternal; c <= codeServerBusy; c++ {
		if _, ok := errorCatalogue[c]; !ok {
			t.Errorf("error code %d has no row in errorCatalogue", c)
		}
	}
	if len(errorCatalogue) != int(codeServerBusy)+1 {
		t.Errorf("errorCatalogue has %d rows for %d codes", len(errorCatalogue), int(codeServerBusy)+1)
	}
}
