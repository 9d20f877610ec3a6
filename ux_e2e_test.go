package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
)

// uxApp boots fitcast with one account, ann, made through the API, and a
// browser signed in as her.
func uxApp(t *testing.T) (*runningApp, *client, context.Context) {
	t.Helper()
	ctx := newBrowser(t)
	app := startApp(t, nil, "-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "ux.db"))
	t.Cleanup(func() { app.Stop(t) })
	c := newClient(t, app.URL)
	c.signUp("ann", "a long password")
	browserDo(t, ctx, browserSignIn(app.URL, "ann"))
	return app, c, ctx
}

// TestBrowserToastNeverBlocksSave: after "Save as template" a toast shows;
// a tap on "Save workout" while it shows still saves the workout.
func TestBrowserToastNeverBlocksSave(t *testing.T) {
	t.Parallel()
	app, _, ctx := uxApp(t)
	browserDo(t, ctx,
		chromedp.Navigate(app.URL+"/workouts/new"),
		chromedp.WaitVisible(chromedp.CSS(`button[data-sport=strength]`)),
		chromedp.Click(chromedp.CSS(`button[data-sport=strength]`)),
		chromedp.Click(chromedp.Search(`//button[text()="+ Add set"]`)),
		chromedp.SetValue(chromedp.CSS(`.set-row select`), "squat"),
		chromedp.SendKeys(chromedp.CSS(`.set-row input[name=reps]`), "5"),
		chromedp.SendKeys(chromedp.CSS(`.set-row input[name=weight]`), "100"),
		chromedp.SendKeys(chromedp.CSS(`input[name=title]`), "Leg day"),
		chromedp.Evaluate[chromedp.Void](`window.prompt = () => 'Legs A'`),
		chromedp.Click(chromedp.Search(`//button[text()="Save as template"]`)),
		chromedp.WaitVisible(chromedp.Search(`//div[@id="toast"][contains(., "Legs A")]`)),
	)
	// Wherever the toast sits, the button is what a tap at its centre hits.
	hit := browserGet(t, ctx, chromedp.Evaluate[string](`(() => {
		const b = document.querySelector('form button[type=submit]');
		b.scrollIntoView({block: 'center'});
		const r = b.getBoundingClientRect();
		const el = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
		return (el === b || b.contains(el) ? 'button' : el.id || el.className) + ' ' + getComputedStyle(document.getElementById('toast')).pointerEvents;
	})()`))
	if hit != "button none" {
		t.Fatalf("a tap on Save workout lands on %q", hit)
	}
	browserDo(t, ctx,
		chromedp.Click(chromedp.Search(`//button[text()="Save workout"]`)),
		chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "Leg day")]`)),
	)
	if still := browserGet(t, ctx, chromedp.Evaluate[bool](`!document.getElementById('toast').hidden`)); !still {
		t.Log("the toast had gone by the time the page changed; the tap went through anyway")
	}
}

// TestBrowserPaceAndSpeedBySport: a ride reads in km/h on its page (stats,
// splits, chart axis) and in the history; a swim per 100 m; a run per km,
// with its partial last kilometre labelled so. A first workout wears no
// record badges.
func TestBrowserPaceAndSpeedBySport(t *testing.T) {
	t.Parallel()
	app, c, ctx := uxApp(t)
	var ride, swim, run Workout
	c.must(201, "POST", "/api/workouts", map[string]any{"sport": "ride", "start": "2026-03-01T08:00:00Z", "duration_s": 1200, "distance_m": 8400, "title": "Commute"}).JSON(&ride)
	c.must(200, "POST", "/api/workouts/"+ride.ID+"/samples", map[string]any{"samples": synthRun(1200, 7, 0, 0, 7)})
	c.must(201, "POST", "/api/workouts", map[string]any{"sport": "swim", "start": "2026-03-02T08:00:00Z", "duration_s": 1500, "distance_m": 1500, "title": "Pool"}).JSON(&swim)
	c.must(201, "POST", "/api/workouts", map[string]any{"sport": "run", "start": "2026-03-03T08:00:00Z", "duration_s": 1500, "distance_m": 4500, "title": "Easy"}).JSON(&run)
	c.must(200, "POST", "/api/workouts/"+run.ID+"/samples", map[string]any{"samples": synthRun(1500, 3, 0, 0, 3)})

	browserDo(t, ctx, chromedp.Navigate(app.URL+"/workouts/"+ride.ID), chromedp.WaitVisible(chromedp.CSS(`.splits`)), chromedp.WaitVisible(chromedp.CSS(`.uplot`)))
	if stats := browserGet(t, ctx, chromedp.Text(chromedp.CSS(`.stats`))); !strings.Contains(stats, "Speed") || !strings.Contains(stats, "25.2 km/h") || strings.Contains(stats, "/km") {
		t.Fatalf("ride stats %q", stats)
	}
	if splits := browserGet(t, ctx, chromedp.Text(chromedp.CSS(`.splits`))); !strings.Contains(splits, "Speed") || !strings.Contains(splits, "25.2 km/h") || strings.Contains(splits, "/km") {
		t.Fatalf("ride splits %q", splits)
	}
	if axis := browserGet(t, ctx, chromedp.Evaluate[string](`document.querySelector('.chart').plot.axes.map((a) => a.label || '').join('|')`)); !strings.Contains(axis, "Speed (km/h)") {
		t.Fatalf("ride chart axes %q", axis)
	}
	if n := browserGet(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('.badge.record').length`)); n != 0 {
		t.Fatalf("a first ride wears %d record badges", n)
	}

	browserDo(t, ctx, chromedp.Navigate(app.URL+"/workouts/"+swim.ID), chromedp.WaitVisible(chromedp.CSS(`.stats`)))
	if stats := browserGet(t, ctx, chromedp.Text(chromedp.CSS(`.stats`))); !strings.Contains(stats, "1:40 /100 m") {
		t.Fatalf("swim stats %q", stats)
	}

	browserDo(t, ctx, chromedp.Navigate(app.URL+"/workouts/"+run.ID), chromedp.WaitVisible(chromedp.CSS(`.splits`)))
	if partial := browserGet(t, ctx, chromedp.Text(chromedp.CSS(`.splits tr[data-partial]`))); !strings.Contains(partial, "0.50 km (partial)") || !strings.Contains(partial, "5:33 /km") {
		t.Fatalf("partial split %q", partial)
	}
	if n := browserGet(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('.splits tr[data-partial]').length`)); n != 1 {
		t.Fatalf("%d partial splits", n)
	}

	browserDo(t, ctx, chromedp.Navigate(app.URL+"/workouts"), chromedp.WaitVisible(chromedp.Search(`//strong[text()="Commute"]`)))
	list := browserGet(t, ctx, chromedp.Text(chromedp.CSS(`#workout-list`)))
	for _, want := range []string{"25.2 km/h", "1:40 /100 m", "5:33 /km"} {
		if !strings.Contains(list, want) {
			t.Errorf("history lacks %q: %q", want, list)
		}
	}
	// No emoji left to render as empty boxes; the icons are SVG.
	if emoji := browserGet(t, ctx, chromedp.Evaluate[bool](`/\p{Extended_Pictographic}/u.test(document.body.innerText)`)); emoji {
		t.Errorf("the history shows emoji: %q", list)
	}
	if n := browserGet(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#workout-list svg.icon use').length`)); n != 3 {
		t.Errorf("%d sport icons in the history, want 3", n)
	}
}

// TestBrowserSettingsReachEveryScreen: units and week start changed in one
// tab show at once in another, without a reload.
func TestBrowserSettingsReachEveryScreen(t *testing.T) {
	t.Parallel()
	app, c, ctx := uxApp(t)
	c.must(201, "POST", "/api/workouts", map[string]any{"sport": "run", "start": "2026-03-03T08:00:00Z", "duration_s": 1500, "distance_m": 5000, "title": "Tempo"})
	browserDo(t, ctx,
		chromedp.Navigate(app.URL+"/workouts?view=calendar&month=2026-03"),
		chromedp.WaitVisible(chromedp.CSS(`.calendar`)),
		chromedp.WaitVisible(chromedp.CSS(`#conn[data-state=online]`)),
		chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`),
	)
	if first := browserGet(t, ctx, chromedp.Text(chromedp.CSS(`.cal-head`))); first != "Mon" {
		t.Fatalf("calendar starts on %q", first)
	}
	// 1 March 2026 is a Sunday: with Monday first, six empty days lead.
	if lead := browserGet(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('.cal-day.empty').length`)); lead != 6 {
		t.Fatalf("%d leading days with Monday first", lead)
	}
	other, cancel := chromedp.NewContext(ctx)
	defer cancel()
	browserDo(t, other,
		chromedp.Navigate(app.URL+"/settings"),
		chromedp.WaitVisible(chromedp.CSS(`select[name=units]`)),
		chromedp.SetValue(chromedp.CSS(`select[name=units]`), "imperial"),
		chromedp.SetValue(chromedp.CSS(`select[name=week_start]`), "sunday"),
		chromedp.Click(chromedp.Search(`//h2[text()="Display"]/..//button[text()="Save"]`)),
	)
	browserDo(t, ctx, chromedp.WaitVisible(chromedp.Search(`//div[@class="cal-head"][1][text()="Sun"]`)))
	if lead := browserGet(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('.cal-day.empty').length`)); lead != 0 {
		t.Fatalf("%d leading days with Sunday first", lead)
	}
	browserDo(t, ctx, chromedp.Navigate(app.URL+"/workouts"), chromedp.WaitVisible(chromedp.Search(`//strong[text()="Tempo"]`)))
	if list := browserGet(t, ctx, chromedp.Text(chromedp.CSS(`#workout-list`))); !strings.Contains(list, "3.11 mi") || !strings.Contains(list, "/mi") {
		t.Fatalf("after the switch to imperial the history says %q", list)
	}
	// Back to metric from the other tab: this one follows while on screen.
	browserDo(t, other,
		chromedp.SetValue(chromedp.CSS(`select[name=units]`), "metric"),
		chromedp.Click(chromedp.Search(`//h2[text()="Display"]/..//button[text()="Save"]`)),
	)
	browserDo(t, ctx, chromedp.WaitVisible(chromedp.Search(`//ul[@id="workout-list"]//small[contains(., "5.00 km")]`)))
}

// TestBrowserDashboardLiveNowMoves: the dashboard's "Live now" card runs
// its clock and takes the distance from samples as they arrive.
func TestBrowserDashboardLiveNowMoves(t *testing.T) {
	t.Parallel()
	app, c, ctx := uxApp(t)
	id := uuid.NewString()
	c.must(201, "POST", "/api/live", map[string]any{"sport": "ride", "id": id})
	browserDo(t, ctx,
		chromedp.Navigate(app.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-live-now]`)),
		chromedp.WaitVisible(chromedp.CSS(`#conn[data-state=online]`)),
	)
	first := browserGet(t, ctx, chromedp.Text(chromedp.CSS(`[data-live-now]`)))
	if !strings.HasPrefix(first, "Ride · ") || !strings.Contains(first, "0.00 km") {
		t.Fatalf("live now card: %q", first)
	}
	// The clock moves on its own.
	browserDo(t, ctx, chromedp.Poll[chromedp.Void](`document.querySelector('[data-live-now]').textContent !== `+jsString(first), chromedp.WithPollingTimeout(0), chromedp.WithPollingInterval(50*time.Millisecond)))
	// Samples sent by the recording phone move the distance.
	samples := []map[string]any{}
	for i := 0; i <= 10; i++ {
		samples = append(samples, map[string]any{"t": float64(i), "lat": 45 + float64(i)*0.0001, "lon": 7.0})
	}
	c.must(200, "POST", "/api/live/"+id+"/samples", map[string]any{"samples": samples})
	browserDo(t, ctx, chromedp.WaitVisible(chromedp.Search(`//span[@data-live-now][contains(., "0.11 km")]`)))
	if still := browserGet(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-live-now]').length`)); still != 1 {
		t.Fatalf("%d live rows", still)
	}
}

// TestBrowserWeighIns: a weigh-in is logged with its date, listed, edited
// and deleted on the Goals page; the chart's time axis reads as dates.
func TestBrowserWeighIns(t *testing.T) {
	t.Parallel()
	app, c, ctx := uxApp(t)
	c.must(201, "POST", "/api/weights", map[string]any{"kg": 82, "at": time.Now().AddDate(0, 0, -20).Format(time.RFC3339)})
	browserDo(t, ctx,
		chromedp.Navigate(app.URL+"/goals"),
		chromedp.WaitVisible(chromedp.CSS(`.weigh-in-form input[name=kg]`)),
		chromedp.SendKeys(chromedp.CSS(`.weigh-in-form input[name=kg]`), "80.4"),
		chromedp.SetValue(chromedp.CSS(`.weigh-in-form input[name=date]`), time.Now().AddDate(0, 0, -2).Format(time.DateOnly)),
		chromedp.Click(chromedp.Search(`//form[contains(@class,"weigh-in-form")]//button[text()="Log"]`)),
		chromedp.WaitVisible(chromedp.Search(`//ul[contains(@class,"weigh-ins")]/li[1]//strong[text()="80.4 kg"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.weight-chart .uplot`)),
	)
	var list []Weight
	c.must(200, "GET", "/api/weights", nil).JSON(&list)
	if len(list) != 2 || list[1].KG != 80.4 || list[1].At.Format(time.DateOnly) != time.Now().AddDate(0, 0, -2).Format(time.DateOnly) {
		t.Fatalf("weights %+v", list)
	}
	ticks := browserGet(t, ctx, chromedp.Evaluate[string](`document.querySelector('.weight-chart').plot.axes[0]._values.join('|')`))
	if ticks == "" || strings.ContainsAny(ticks, ".:") {
		t.Fatalf("weight chart time axis %q", ticks)
	}
	browserDo(t, ctx,
		chromedp.Click(chromedp.Search(`//ul[contains(@class,"weigh-ins")]/li[1]//button[text()="Edit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.weigh-ins form input[name=kg]`)),
		chromedp.SetValue(chromedp.CSS(`.weigh-ins form input[name=kg]`), "80.1"),
		chromedp.Click(chromedp.Search(`//ul[contains(@class,"weigh-ins")]//button[text()="Save"]`)),
		chromedp.WaitVisible(chromedp.Search(`//ul[contains(@class,"weigh-ins")]/li[1]//strong[text()="80.1 kg"]`)),
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		chromedp.Click(chromedp.Search(`//ul[contains(@class,"weigh-ins")]/li[1]//button[text()="Delete"]`)),
		chromedp.WaitNotPresent(chromedp.Search(`//ul[contains(@class,"weigh-ins")]//strong[text()="80.1 kg"]`)),
	)
	c.must(200, "GET", "/api/weights", nil).JSON(&list)
	if len(list) != 1 || list[0].KG != 82 {
		t.Fatalf("after edit and delete: %+v", list)
	}
}

// TestBrowserStatsAxes: weekly stats put a tick on each week's first day
// (Sunday here, as the user chose) and name each axis's unit.
func TestBrowserStatsAxes(t *testing.T) {
	t.Parallel()
	app, c, ctx := uxApp(t)
	c.must(200, "PUT", "/api/settings", map[string]string{"timezone": "UTC", "units": "metric", "week_start": "sunday"})
	browserDo(t, ctx, chromedp.Reload())
	c.must(201, "POST", "/api/workouts", map[string]any{"sport": "run", "start": "2026-03-03T08:00:00Z", "duration_s": 1500, "distance_m": 5000})
	browserDo(t, ctx, chromedp.Navigate(app.URL+"/stats?from=2026-01-01&to=2026-03-31"), chromedp.WaitVisible(chromedp.CSS(`.stats-chart .uplot`)))
	days := browserGet(t, ctx, chromedp.Evaluate[string](`document.querySelector('.stats-chart').plot.axes[0]._splits.map((s) => new Date(s * 1000).getUTCDay()).join('')`))
	if days == "" || strings.Trim(days, "0") != "" {
		t.Fatalf("week ticks fall on week days %q, want all Sundays (0)", days)
	}
	labels := browserGet(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('.stats-chart')].map((c) => c.plot.axes[1].label).join('|')`))
	if labels != "km|hours|workouts" {
		t.Fatalf("stats axis labels %q", labels)
	}
}

// TestBrowserGPSErrorSaysWhy: a refused location says so, not "GPS: .".
func TestBrowserGPSErrorSaysWhy(t *testing.T) {
	t.Parallel()
	app, _, ctx := uxApp(t)
	browserDo(t, ctx,
		chromedp.Navigate(app.URL+"/live"),
		chromedp.WaitVisible(chromedp.CSS(`.big-start`)),
		// What a browser with location refused does: an error with a code and no message.
		chromedp.Evaluate[chromedp.Void](`navigator.geolocation.watchPosition = (ok, fail) => { setTimeout(() => fail({ code: 1, message: '' })); return 1; }`),
		chromedp.Click(chromedp.CSS(`.big-start`)),
		chromedp.WaitVisible(chromedp.CSS(`#toast`)),
	)
	if msg := browserGet(t, ctx, chromedp.Text(chromedp.CSS(`#toast`))); !strings.Contains(msg, "GPS is off for this site") || strings.Contains(msg, "GPS: .") {
		t.Fatalf("GPS error toast %q", msg)
	}
	if shown := browserGet(t, ctx, chromedp.Evaluate[bool](`!document.querySelector('.map').closest('section').hidden`)); shown {
		t.Error("an empty map stays on screen without GPS")
	}
	if open := browserGet(t, ctx, chromedp.Evaluate[bool](`document.querySelector('details.manual').open`)); !open {
		t.Error("manual entry is not offered")
	}
	if title := browserGet(t, ctx, chromedp.Text(chromedp.CSS(`h1.page-title`))); title != "Live: Run" {
		t.Fatalf("live page title %q", title)
	}
}

// TestBrowserRallyGameHasNoClock: volleyball has no game clock, so its
// scoreboard shows none; basketball's shows one.
func TestBrowserRallyGameHasNoClock(t *testing.T) {
	t.Parallel()
	app, c, ctx := uxApp(t)
	var volley, hoops struct{ ID string }
	c.must(201, "POST", "/api/games", map[string]any{"sport": "volleyball", "home": "Nets", "away": "Spikes"}).JSON(&volley)
	c.must(201, "POST", "/api/games", map[string]any{"sport": "basketball", "home": "Lions", "away": "Tigers"}).JSON(&hoops)
	browserDo(t, ctx, chromedp.Navigate(app.URL+"/games/"+volley.ID), chromedp.WaitVisible(chromedp.CSS(`.scoreboard .team-score`)))
	if meta := browserGet(t, ctx, chromedp.Text(chromedp.CSS(`.game-meta`))); strings.Contains(meta, "0:00") || browserGet(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('.clock').length`)) != 0 {
		t.Fatalf("volleyball shows a clock: %q", meta)
	}
	browserDo(t, ctx, chromedp.Navigate(app.URL+"/games/"+hoops.ID), chromedp.WaitVisible(chromedp.CSS(`.scoreboard .clock`)))
}

// jsString quotes s for a JavaScript expression.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`).Replace(s) + "'"
}

// TestBrowserLiveUpdateKeepsPlace: a change made on another screen
// refreshes the card that shows it, and only that card: the page keeps
// its scroll position, a half-typed filter keeps its text and its focus,
// and a half-changed picker keeps its choice.
func TestBrowserLiveUpdateKeepsPlace(t *testing.T) {
	t.Parallel()
	app, c, ctx := uxApp(t)
	start := time.Now().UTC().Add(-48 * time.Hour)
	for i := 0; i < 40; i++ {
		c.must(201, "POST", "/api/workouts", map[string]any{"sport": "run", "start": start.Add(-time.Duration(i) * time.Hour).Format(time.RFC3339),
			"duration_s": 1800, "distance_m": 5000, "title": "Morning run " + string(rune('A'+i%26))})
	}

	// The history list, scrolled down, with a search half typed.
	browserDo(t, ctx,
		chromedp.Navigate(app.URL+"/workouts"),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('#workout-list li').length === 30`, chromedp.WithPollingTimeout(0), chromedp.WithPollingInterval(50*time.Millisecond)),
		chromedp.WaitVisible(chromedp.CSS(`#conn[data-state=online]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=q]`), "Hil"),
		chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 900); window.notReloaded = true; document.querySelector('form.filters').kept = true`),
	)
	before := browserGet(t, ctx, chromedp.Evaluate[float64](`window.scrollY`))
	if before < 500 {
		t.Fatalf("the list does not scroll: scrollY %v", before)
	}
	c.must(201, "POST", "/api/workouts", map[string]any{"sport": "run", "start": time.Now().UTC().Add(-time.Hour).Format(time.RFC3339),
		"duration_s": 1200, "distance_m": 4000, "title": "Fresh from the watch"})
	browserDo(t, ctx, chromedp.WaitVisible(chromedp.Search(`//ul[@id="workout-list"]//strong[text()="Fresh from the watch"]`)))
	type place struct {
		ScrollY  float64 `json:"scrollY"`
		Query    string  `json:"query"`
		Focused  bool    `json:"focused"`
		SameForm bool    `json:"sameForm"`
		Loaded   bool    `json:"loaded"`
		Rows     int     `json:"rows"`
	}
	got := browserGet(t, ctx, chromedp.Evaluate[place](`({scrollY: window.scrollY, query: document.querySelector('input[name=q]').value,
		focused: document.activeElement === document.querySelector('input[name=q]'), sameForm: document.querySelector('form.filters').kept === true,
		loaded: window.notReloaded === true, rows: document.querySelectorAll('#workout-list li').length})`))
	if got.ScrollY != before || got.Query != "Hil" || !got.Focused || !got.SameForm || !got.Loaded || got.Rows != 30 {
		t.Fatalf("after a live update, the history list page is %+v; want scrollY %v, the search \"Hil\" still typed and focused in the same form, no reload, 30 rows", got, before)
	}

	// The stats page, scrolled down, its picker changed but not submitted:
	// a swim logged elsewhere reaches the table by sport.
	browserDo(t, ctx,
		chromedp.Navigate(app.URL+"/stats"),
		chromedp.WaitVisible(chromedp.Search(`//h2[text()="By sport"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#conn[data-state=online]`)),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('select[name=bucket]').value = 'month';
			window.scrollTo(0, document.body.scrollHeight); window.notReloaded = true; document.querySelector('form.filters').kept = true`),
	)
	before = browserGet(t, ctx, chromedp.Evaluate[float64](`window.scrollY`))
	if before < 200 {
		t.Fatalf("the stats page does not scroll: scrollY %v", before)
	}
	c.must(201, "POST", "/api/workouts", map[string]any{"sport": "swim", "start": time.Now().UTC().Add(-time.Hour).Format(time.RFC3339),
		"duration_s": 1500, "distance_m": 1000})
	browserDo(t, ctx, chromedp.WaitVisible(chromedp.Search(`//td[text()="Swim"]`)))
	type statsPlace struct {
		ScrollY float64 `json:"scrollY"`
		Bucket  string  `json:"bucket"`
		Loaded  bool    `json:"loaded"`
		Same    bool    `json:"sameForm"`
	}
	sp := browserGet(t, ctx, chromedp.Evaluate[statsPlace](`({scrollY: window.scrollY, bucket: document.querySelector('select[name=bucket]').value,
		loaded: window.notReloaded === true, sameForm: document.querySelector('form.filters').kept === true})`))
	if sp.ScrollY != before || sp.Bucket != "month" || !sp.Loaded || !sp.Same {
		t.Fatalf("after a live update, the stats page is %+v; want scrollY %v and the picker still on month", sp, before)
	}
}
