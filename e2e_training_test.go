package main

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browserFetch runs a same-origin API request from the page (with its
// session cookie) and returns the decoded JSON answer.
func browserFetch[T any](t *testing.T, ctx context.Context, method, path, body string) T {
	t.Helper()
	js := `fetch(` + strconv.Quote(path) + `, {method: ` + strconv.Quote(method) + `, headers: {'Content-Type': 'application/json'}` +
		map[bool]string{true: `, body: ` + strconv.Quote(body), false: ``}[body != ""] +
		`}).then(async r => { if (!r.ok) throw new Error(r.status + ' ' + await r.text()); return r.status === 204 ? null : r.json(); })`
	return browserGet(t, ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
}

// steadyJSON is samples JSON: from t0, n samples 10 s apart at hr.
func steadyJSON(t0, n int, hr float64) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = `{"t":` + strconv.Itoa(t0+i*10) + `,"hr":` + strconv.FormatFloat(hr, 'f', -1, 64) + `}`
	}
	return strings.Join(parts, ",")
}

// TestBrowserTrainingZonesFitnessAndLiveZone shows a run's heart-rate zone
// bar, the fitness chart moving when a workout is saved without a reload,
// and a live session's heart rate changing zone (and colour) on the
// athlete's phone and on a spectator's screen.
func TestBrowserTrainingZonesFitnessAndLiveZone(t *testing.T) {
	t.Parallel()
	athlete := newBrowser(t)
	app := startApp(t, nil, "-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "training.db"))
	defer app.Stop(t)
	browserDo(t, athlete, browserSignUp(app.URL, "runner"))
	browserFetch[any](t, athlete, "POST", "/api/athlete/settings", `{"key":"max_hr","value":200,"from":"2020-01-01"}`)
	browserFetch[any](t, athlete, "POST", "/api/athlete/settings", `{"key":"rest_hr","value":50,"from":"2020-01-01"}`)

	// 30 min at 130 bpm (zone 2: 120-139 with maximum 200), 10 min at 170
	// (zone 4: 160-179), yesterday.
	start := time.Now().Add(-24 * time.Hour).UTC().Format(time.RFC3339)
	w := browserFetch[map[string]any](t, athlete, "POST", "/api/workouts", `{"sport":"run","start":"`+start+`","duration_s":2400,"title":"Zone run"}`)
	id := w["id"].(string)
	browserFetch[any](t, athlete, "POST", "/api/workouts/"+id+"/samples", `{"samples":[`+steadyJSON(0, 180, 130)+","+steadyJSON(1800, 61, 170)+`]}`)
	browserDo(t, athlete,
		chromedp.Navigate(app.URL+"/workouts/"+id),
		chromedp.WaitVisible(chromedp.CSS(`.zone-bar`)),
	)
	zones := browserGet(t, athlete, chromedp.Evaluate[[]string](`[...document.querySelectorAll('.zone-bar .zone-seg')].map(s => s.dataset.zone + ':' + s.style.flexGrow.slice(0, 4))`))
	if strings.Join(zones, " ") != "2:0.75 4:0.25" {
		t.Fatalf("zone bar segments %v, want zone 2 three quarters and zone 4 a quarter", zones)
	}
	if load := browserGet(t, athlete, chromedp.Text(chromedp.CSS(`.load`))); !strings.Contains(load, "TRIMP") || strings.Contains(load, "estimated") {
		t.Fatalf("load reads %q", load)
	}

	// The fitness page: a chart, and today's fitness moves when another
	// workout is saved (here from the API, as another device would).
	browserDo(t, athlete,
		chromedp.Navigate(app.URL+"/fitness"),
		chromedp.WaitVisible(chromedp.CSS(`.fitness-chart canvas`)),
		chromedp.WaitVisible(chromedp.CSS(`#conn[data-state=online]`)),
		chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`),
	)
	before := browserGet(t, athlete, chromedp.Text(chromedp.CSS(`[data-fitness]`)))
	if v, _ := strconv.ParseFloat(before, 64); v <= 0 {
		t.Fatalf("fitness after a run reads %q", before)
	}
	browserFetch[any](t, athlete, "POST", "/api/workouts", `{"sport":"strength","start":"`+time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)+`","duration_s":3600,"rpe":9}`)
	browserDo(t, athlete, chromedp.Poll[chromedp.Void](`document.querySelector('[data-fitness]').textContent !== `+strconv.Quote(before), chromedp.WithPollingTimeout(15*time.Second), chromedp.WithPollingInterval(50*time.Millisecond)))
	if still := browserGet(t, athlete, chromedp.Evaluate[bool](`window.notReloaded === true`)); !still {
		t.Fatal("the fitness page reloaded instead of updating live")
	}

	// Live: an indoor run with heart rate typed in; the athlete's tile and
	// the spectator's show the zone, and change colour with it.
	browserDo(t, athlete,
		chromedp.Click(chromedp.CSS(`a[data-nav=live]`)),
		chromedp.WaitVisible(chromedp.CSS(`.big-start`)),
		chromedp.Click(chromedp.CSS(`input[name=indoors]`)),
		chromedp.Click(chromedp.CSS(`.big-start`)),
		chromedp.WaitVisible(chromedp.CSS(`details.manual[open]`)),
		chromedp.Click(chromedp.Search(`//button[text()="Create spectator link"]`)),
		chromedp.WaitVisible(chromedp.CSS(`code[data-watch-url]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=manual_hr]`), "110"),
		chromedp.Click(chromedp.Search(`//button[text()="Record"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.hr-tile[data-zone="1"]`)),
	)
	watchURL := browserGet(t, athlete, chromedp.Text(chromedp.CSS(`code[data-watch-url]`)))
	spectator := newBrowser(t)
	browserDo(t, spectator,
		chromedp.Navigate(watchURL),
		chromedp.Poll[chromedp.Void](`document.querySelector('.hr-tile[data-zone="1"]') !== null`, chromedp.WithPollingTimeout(40*time.Second), chromedp.WithPollingInterval(50*time.Millisecond)),
	)
	color1 := browserGet(t, spectator, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('.hr-tile')).borderLeftColor`))
	browserDo(t, athlete,
		chromedp.SendKeys(chromedp.CSS(`input[name=manual_hr]`), "175"),
		chromedp.Click(chromedp.Search(`//button[text()="Record"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.hr-tile[data-zone="4"]`)),
	)
	browserDo(t, spectator, chromedp.Poll[chromedp.Void](`document.querySelector('.hr-tile[data-zone="4"]') !== null`, chromedp.WithPollingTimeout(40*time.Second), chromedp.WithPollingInterval(50*time.Millisecond)))
	color4 := browserGet(t, spectator, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('.hr-tile')).borderLeftColor`))
	if color1 != "rgb(148, 163, 184)" || color4 != "rgb(245, 158, 11)" {
		t.Fatalf("spectator's heart-rate tile colours: zone 1 %q, zone 4 %q", color1, color4)
	}
	if text := browserGet(t, spectator, chromedp.Text(chromedp.CSS(`.hr-tile`))); !strings.Contains(text, "175 bpm") || !strings.Contains(text, "Z4") {
		t.Fatalf("spectator's heart-rate tile reads %q", text)
	}
}
