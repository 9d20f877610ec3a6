package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// browserPath finds a Chromium to drive: $FITCAST_CHROME, then the names
// Debian and others install it under.
func browserPath() string {
	if p := os.Getenv("FITCAST_CHROME"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// sharedBrowser is the one headless Chromium the browser tests share.
// Starting a browser costs more than most tests spend in it, so each test
// gets a browser context of its own inside this one: a fresh profile, with
// its own cookies, storage, cache and service workers, as a new browser
// would give it.
var sharedBrowser struct {
	once sync.Once
	ctx  context.Context
	err  error
	stop func()
}

// startSharedBrowser starts the shared Chromium on first use.
func startSharedBrowser(path string) (context.Context, error) {
	sharedBrowser.once.Do(func() {
		dir, err := os.MkdirTemp("", "fitcast-chrome-")
		if err != nil {
			sharedBrowser.err = err
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.NoSandbox, // CI runs as root
			chromedp.DisableGPU,
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.UserDataDir(dir),
			chromedp.WindowSize(390, 844),
		)
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelCtx := chromedp.NewContext(allocCtx)
		sharedBrowser.ctx = ctx
		sharedBrowser.stop = func() {
			cancelCtx()
			cancelAlloc()
			os.RemoveAll(dir)
		}
		sharedBrowser.err = chromedp.Do(ctx)
	})
	return sharedBrowser.ctx, sharedBrowser.err
}

// stopSharedBrowser ends the shared Chromium, if a test started it.
func stopSharedBrowser() {
	if sharedBrowser.stop != nil {
		sharedBrowser.stop()
	}
}

// newBrowser gives a browser test a fresh profile sized like a phone, and
// lets it run beside the other browser tests: they spend most of their
// time waiting on the page, not on the processor.
// Without a browser the test is skipped, unless FITCAST_E2E=1 (set by CI),
// where a missing browser is a failure rather than a silent skip.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := browserPath()
	if path == "" {
		if os.Getenv("FITCAST_E2E") == "1" {
			t.Fatal("FITCAST_E2E=1 but no Chromium found; install Debian's chromium package or set FITCAST_CHROME")
		}
		t.Skip("browser test skipped: no Chromium installed (apt-get install chromium, or set FITCAST_CHROME)")
	}
	shared, err := startSharedBrowser(path)
	if err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	ctx, cancelCtx := chromedp.NewContext(shared, chromedp.WithNewBrowserContext())
	// A guard against a hung browser only, never a pass/fail allowance:
	// every step waits on an event, and a loaded machine may take long.
	ctx, cancelTimeout := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a browser context: %v", err)
	}
	return ctx
}

// browserDo runs steps in the browser and fails the test on an error.
func browserDo(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// browserGet runs one action that reads something from the page.
func browserGet[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// browserSignUp creates an account through the sign-up page and waits for
// the dashboard.
func browserSignUp(base, username string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(base+"/signup"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), username),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "a long password"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`h1.page-title`)),
	)
}

// browserSignIn signs in an existing account through the sign-in page.
func browserSignIn(base, username string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`form.auth input[name=password]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), username),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "a long password"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#nav`)),
	)
}

// TestBrowserSignUpAndStaySignedIn signs up through the real UI, lands on
// the dashboard, reloads, and is still signed in.
func TestBrowserSignUpAndStaySignedIn(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	app := startApp(t, nil, "-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "e2e.db"))
	defer app.Stop(t)

	// A fresh instance sends the first visitor to create the admin.
	browserDo(t, ctx, chromedp.Navigate(app.URL), chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)))
	if h := browserGet(t, ctx, chromedp.Text(chromedp.CSS(`main h1`))); h != "Welcome to fitcast" {
		t.Errorf("first page heading = %q", h)
	}
	browserDo(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), "ann"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "a long password"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#nav`)),
		chromedp.WaitVisible(chromedp.CSS(`h1.page-title`)),
	)
	if title := browserGet(t, ctx, chromedp.Title()); title != "Dashboard · fitcast" {
		t.Errorf("after sign-up the title is %q", title)
	}
	// Sections a page leaves out (no live session, no new records) leave no trace.
	browserDo(t, ctx, chromedp.WaitVisible(chromedp.Search(`//h2[text()="Nothing logged yet"]`)))
	if page := browserGet(t, ctx, chromedp.Text(chromedp.CSS(`main`))); strings.Contains(page, "null") || strings.Contains(page, "undefined") {
		t.Errorf("the dashboard says %q", page)
	}

	browserDo(t, ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`h1.page-title`)))
	greeting := browserGet(t, ctx, chromedp.Text(chromedp.CSS(`h1.page-title`)))
	location := browserGet(t, ctx, chromedp.Location())
	if !strings.HasSuffix(greeting, ", ann") || !strings.HasSuffix(location, "/") {
		t.Errorf("after reload: heading %q at %s", greeting, location)
	}

	// Settings shows this browser's session, and signing out returns to sign-in.
	browserDo(t, ctx, chromedp.Click(chromedp.CSS(`a[data-nav=settings]`)), chromedp.WaitVisible(chromedp.CSS(`ul.rows li`)))
	if sessions := browserGet(t, ctx, chromedp.Text(chromedp.CSS(`main`))); !strings.Contains(sessions, "this device") {
		t.Errorf("settings page lacks the current session: %q", sessions)
	}
	browserDo(t, ctx,
		chromedp.Click(chromedp.Search(`//button[text()="Sign out"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.auth input[name=password]`)),
	)
	if location := browserGet(t, ctx, chromedp.Location()); !strings.HasSuffix(location, "/login") {
		t.Errorf("after sign-out at %s", location)
	}
}

// TestBrowserLiveUpdatesAcrossTabs opens the app in two tabs as the same
// user. A token created in one appears in the other's list at once,
// without a reload: the change travels through the hub.
func TestBrowserLiveUpdatesAcrossTabs(t *testing.T) {
	t.Parallel()
	first := newBrowser(t)
	app := startApp(t, nil, "-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "tabs.db"))
	defer app.Stop(t)

	browserDo(t, first,
		browserSignUp(app.URL, "ann"),
		chromedp.Navigate(app.URL+"/settings"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=name]`)),
	)
	second, cancel := chromedp.NewContext(first) // another tab, same cookies
	defer cancel()
	browserDo(t, second,
		chromedp.Navigate(app.URL+"/settings"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=name]`)),
		chromedp.WaitVisible(chromedp.CSS(`#conn[data-state=online]`)),
		chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`),
	)
	browserDo(t, first,
		chromedp.WaitVisible(chromedp.CSS(`#conn[data-state=online]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "laptop script"),
		chromedp.Click(chromedp.Search(`//button[text()="Create token"]`)),
		chromedp.WaitVisible(chromedp.CSS(`code[data-token]`)),
	)
	browserDo(t, second, chromedp.WaitVisible(chromedp.Search(`//li[@data-token-id]//strong[text()="laptop script"]`)))
	if still := browserGet(t, second, chromedp.Evaluate[bool](`window.notReloaded === true`)); !still {
		t.Fatal("the second tab reloaded instead of updating live")
	}
	// The tab that made the token shows it once, not twice.
	if n := browserGet(t, first, chromedp.Evaluate[int](`document.querySelectorAll('li[data-token-id]').length`)); n != 1 {
		t.Fatalf("first tab lists %d tokens", n)
	}
}

// TestBrowserLogRunAndStrengthSession logs a run and a strength session
// through the real form, then finds both in the history and the calendar.
func TestBrowserLogRunAndStrengthSession(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	app := startApp(t, nil, "-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "log.db"))
	defer app.Stop(t)

	browserDo(t, ctx,
		browserSignUp(app.URL, "ann"),

		// A 5.2 km run, the default sport, in 31 minutes.
		chromedp.Click(chromedp.Search(`//a[contains(., "Log workout")]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name=distance]`)),
		chromedp.SetValue(chromedp.CSS(`input[name=h]`), "0"),
		chromedp.SetValue(chromedp.CSS(`input[name=m]`), "31"),
		chromedp.SendKeys(chromedp.CSS(`input[name=distance]`), "5.2"),
		chromedp.SendKeys(chromedp.CSS(`input[name=title]`), "Park loop"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "Park loop")]`)),
	)
	if stats := browserGet(t, ctx, chromedp.Text(chromedp.CSS(`.stats`))); !strings.Contains(stats, "5.20 km") || !strings.Contains(stats, "31:00") || !strings.Contains(stats, "5:58 /km") {
		t.Fatalf("run page shows %q", stats)
	}

	// A strength session: two sets of bench press, the second copied from the first.
	browserDo(t, ctx,
		chromedp.Navigate(app.URL+"/workouts/new"),
		chromedp.WaitVisible(chromedp.CSS(`button[data-sport=strength]`)),
		chromedp.Click(chromedp.CSS(`button[data-sport=strength]`)),
		chromedp.Click(chromedp.Search(`//button[text()="+ Add set"]`)),
		chromedp.SetValue(chromedp.CSS(`.set-row select`), "bench_press"),
		chromedp.SendKeys(chromedp.CSS(`.set-row input[name=reps]`), "5"),
		chromedp.SendKeys(chromedp.CSS(`.set-row input[name=weight]`), "80"),
		chromedp.Click(chromedp.Search(`//button[text()="+ Add set"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=title]`), "Push day"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "Push day")]`)),
	)
	if sets := browserGet(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('.sets-table tbody tr').length`)); sets != 2 {
		t.Fatalf("strength page lists %d sets, want 2", sets)
	}

	browserDo(t, ctx,
		chromedp.Click(chromedp.CSS(`a[data-nav=workouts]`)),
		chromedp.WaitVisible(chromedp.Search(`//ul[@id="workout-list"]//strong[text()="Push day"]`)),
		chromedp.WaitVisible(chromedp.Search(`//ul[@id="workout-list"]//strong[text()="Park loop"]`)),
	)
	// The calendar of the month the workouts were logged in (the form
	// defaults to 45 minutes ago, which can be last month).
	month := browserGet(t, ctx, chromedp.Evaluate[string](`fetch('/api/workouts?limit=1').then(r => r.json()).then(p => p.items[0].start.slice(0, 7))`,
		chromedp.EvalAwaitPromise))
	browserDo(t, ctx,
		chromedp.Navigate(app.URL+"/workouts?view=calendar&month="+month),
		chromedp.WaitVisible(chromedp.CSS(`.calendar`)),
	)
	if n := browserGet(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('.cal-day.active .cal-workout').length`)); n != 2 {
		t.Fatalf("calendar shows %d workouts, want 2", n)
	}
}

// TestBrowserGoalRingMoves sets a goal on one tab, logs a workout on
// another, and watches the first tab's ring fill without a reload.
func TestBrowserGoalRingMoves(t *testing.T) {
	t.Parallel()
	goals := newBrowser(t)
	app := startApp(t, nil, "-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "goal.db"))
	defer app.Stop(t)
	browserDo(t, goals,
		browserSignUp(app.URL, "ann"),
		chromedp.Click(chromedp.CSS(`a[data-nav=goals]`)),
		chromedp.WaitVisible(chromedp.CSS(`select[name=metric]`)),
		chromedp.SetValue(chromedp.CSS(`select[name=metric]`), "workouts"),
		chromedp.SendKeys(chromedp.CSS(`input[name=target]`), "2"),
		chromedp.SendKeys(chromedp.CSS(`input[name=title]`), "Twice a week"),
		chromedp.Click(chromedp.Search(`//button[text()="Add goal"]`)),
		chromedp.WaitVisible(chromedp.Search(`//div[@class="goal"]//strong[text()="Twice a week"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#conn[data-state=online]`)),
	)
	ringLabel := `document.querySelector('.goal svg.ring').getAttribute('aria-label')`
	if label := browserGet(t, goals, chromedp.Evaluate[string](ringLabel)); !strings.HasPrefix(label, "0%") {
		t.Fatalf("new goal's ring: %q", label)
	}
	browserDo(t, goals, chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`))

	logger, cancel := chromedp.NewContext(goals)
	defer cancel()
	browserDo(t, logger,
		chromedp.Navigate(app.URL+"/workouts/new"),
		chromedp.WaitVisible(chromedp.CSS(`button[data-sport=yoga]`)),
		chromedp.Click(chromedp.CSS(`button[data-sport=yoga]`)),
		// Now, so it falls in this week whatever day the test runs.
		chromedp.SetValue(chromedp.CSS(`input[name=h]`), "0"),
		chromedp.SetValue(chromedp.CSS(`input[name=m]`), "1"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('input[name=start]').value = new Date(Date.now() - 60000 - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16)`),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.stats`)),
	)
	browserDo(t, goals, chromedp.WaitVisible(chromedp.CSS(`.goal svg.ring[aria-label^="50%"]`)))
	if still := browserGet(t, goals, chromedp.Evaluate[bool](`window.notReloaded === true`)); !still {
		t.Fatal("the goals tab reloaded instead of updating live")
	}
}

// TestBrowserScorekeeperAndSpectator: a scorekeeper creates a basketball
// game and taps the score; a spectator in another browser, not signed in,
// sees it change on the scoreboard without reloading.
func TestBrowserScorekeeperAndSpectator(t *testing.T) {
	t.Parallel()
	keeper := newBrowser(t)
	app := startApp(t, nil, "-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "game.db"))
	defer app.Stop(t)
	browserDo(t, keeper,
		browserSignUp(app.URL, "coach"),
		chromedp.Click(chromedp.CSS(`a[data-nav=games]`)),
		chromedp.WaitVisible(chromedp.CSS(`select[name=sport]`)),
		chromedp.SetValue(chromedp.CSS(`select[name=sport]`), "basketball"),
		chromedp.SendKeys(chromedp.CSS(`input[name=home]`), "Lions"),
		chromedp.SendKeys(chromedp.CSS(`input[name=away]`), "Tigers"),
		chromedp.Click(chromedp.Search(`//button[text()="Create game"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.score-btn[data-side=home][data-points="3"]`)),
	)
	keepURL := browserGet(t, keeper, chromedp.Location())
	gameURL := strings.TrimSuffix(keepURL, "/keep")

	spectator := newBrowser(t)
	browserDo(t, spectator,
		chromedp.Navigate(gameURL),
		chromedp.WaitVisible(chromedp.Search(`//span[@class="team-score"][@data-side="home"][text()="0"]`)),
		chromedp.WaitVisible(chromedp.Search(`//span[contains(., "2 watching")]`)), // the scorekeeper and this spectator
		chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`),
	)
	browserDo(t, keeper,
		chromedp.Click(chromedp.CSS(`.score-btn[data-side=home][data-points="3"]`)),
		chromedp.WaitVisible(chromedp.Search(`//span[@class="team-score"][@data-side="home"][text()="3"]`)),
		chromedp.Click(chromedp.CSS(`.score-btn[data-side=away][data-points="2"]`)),
		chromedp.WaitVisible(chromedp.Search(`//span[@class="team-score"][@data-side="away"][text()="2"]`)),
	)
	browserDo(t, spectator,
		chromedp.WaitVisible(chromedp.Search(`//span[@class="team-score"][@data-side="home"][text()="3"]`)),
		chromedp.WaitVisible(chromedp.Search(`//span[@class="team-score"][@data-side="away"][text()="2"]`)),
	)
	if n := browserGet(t, spectator, chromedp.Evaluate[int](`document.querySelectorAll('.timeline li').length`)); n != 2 {
		t.Errorf("spectator timeline has %d events, want 2", n)
	}
	if still := browserGet(t, spectator, chromedp.Evaluate[bool](`window.notReloaded === true`)); !still {
		t.Fatal("the spectator's page reloaded instead of updating live")
	}
	// Undo on the touchline takes the last basket back everywhere.
	browserDo(t, keeper, chromedp.Click(chromedp.Search(`//button[contains(., "Undo")]`)))
	browserDo(t, spectator, chromedp.WaitVisible(chromedp.Search(`//span[@class="team-score"][@data-side="away"][text()="0"]`)))
}

// TestBrowserLiveSessionWithSpectator records a session in one browser
// with Chromium's location overridden, while a spectator in another
// browser, not signed in, follows it through the share link to the end.
func TestBrowserLiveSessionWithSpectator(t *testing.T) {
	t.Parallel()
	athlete := newBrowser(t)
	app := startApp(t, nil, "-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "live.db"))
	defer app.Stop(t)
	if _, err := chromedp.CallBrowser(athlete, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "geolocation"}, Setting: browser.PermissionSettingGranted, Origin: app.URL,
		BrowserContextID: chromedp.FromContext(athlete).BrowserContextID,
	}); err != nil {
		t.Fatal(err)
	}
	moveTo := func(lat float64) {
		lon, acc := 7.0, 5.0
		if _, err := chromedp.Call(athlete, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{Latitude: &lat, Longitude: &lon, Accuracy: &acc}); err != nil {
			t.Fatal(err)
		}
	}
	// step moves the athlete to fix i and waits until the page has taken
	// that fix: an event, not a wall-clock allowance a busy machine exceeds.
	// Fixes come at least 0.7 s apart, as a phone's do: 10 m in less would
	// be faster than any workout, and the server drops it as a GPS jump.
	// (A minimum gap only: a busy machine makes it longer, never fails it.)
	step := func(i int) {
		browserDo(t, athlete, chromedp.Sleep(700*time.Millisecond))
		moveTo(45 + float64(i)*0.00009)
		browserDo(t, athlete, chromedp.Poll[chromedp.Void](fmt.Sprintf(`Number(document.querySelector('.map').dataset.fixes || 0) >= %d`, i+1), chromedp.WithPollingTimeout(0), chromedp.WithPollingInterval(50*time.Millisecond)))
	}
	moveTo(45)
	browserDo(t, athlete,
		browserSignUp(app.URL, "runner"),
		chromedp.Click(chromedp.CSS(`a[data-nav=live]`)),
		chromedp.WaitVisible(chromedp.CSS(`.big-start`)),
		chromedp.Click(chromedp.CSS(`.big-start`)),
		chromedp.WaitVisible(chromedp.CSS(`.live-controls`)),
		chromedp.Click(chromedp.Search(`//button[text()="Create spectator link"]`)),
		chromedp.WaitVisible(chromedp.CSS(`code[data-watch-url]`)),
	)
	watchURL := browserGet(t, athlete, chromedp.Text(chromedp.CSS(`code[data-watch-url]`)))

	// About 10 m a fix northwards.
	for i := 1; i <= 6; i++ {
		step(i)
	}
	spectator := newBrowser(t)
	browserDo(t, spectator,
		chromedp.Navigate(watchURL),
		chromedp.WaitVisible(chromedp.CSS(`[data-distance]`)),
		chromedp.WaitVisible(chromedp.CSS(`.leaflet-overlay-pane path`)),
	)
	for i := 7; i <= 10; i++ {
		step(i)
	}
	// The spectator's distance grows to the whole ~100 m as samples arrive
	// (every 15 s while no screen of the owner's watches).
	browserDo(t, spectator, chromedp.Poll[chromedp.Void](`parseFloat(document.querySelector('[data-distance]').textContent) >= 0.08`, chromedp.WithPollingTimeout(0), chromedp.WithPollingInterval(50*time.Millisecond)))

	// The athlete's laptop, signed in as them, follows the session rather
	// than record it, and sees it move on.
	laptop := newBrowser(t)
	browserDo(t, laptop,
		browserSignIn(app.URL, "runner"),
		chromedp.Click(chromedp.CSS(`a[data-nav=live]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(., "Recording on another of your devices")]`)),
		chromedp.WaitVisible(chromedp.CSS(`.leaflet-overlay-pane path`)),
	)
	before := browserGet(t, laptop, chromedp.Text(chromedp.CSS(`[data-distance]`)))
	for i := 11; i <= 14; i++ {
		step(i)
	}
	browserDo(t, laptop, chromedp.Poll[chromedp.Void](`parseFloat(document.querySelector('[data-distance]').textContent) >= 0.12`, chromedp.WithPollingTimeout(0), chromedp.WithPollingInterval(50*time.Millisecond)))
	if before == browserGet(t, laptop, chromedp.Text(chromedp.CSS(`[data-distance]`))) {
		t.Fatal("the laptop's distance did not move")
	}

	browserDo(t, athlete,
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		chromedp.Click(chromedp.Search(`//button[text()="Finish"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href$="/edit"]`)), // the finished workout's page
	)
	if stats := browserGet(t, athlete, chromedp.Text(chromedp.CSS(`.stats`))); !strings.Contains(stats, "km") {
		t.Fatalf("the finished workout shows %q", stats)
	}
	browserDo(t, spectator, chromedp.WaitVisible(chromedp.Search(`//span[text()="Finished"]`)))
	browserDo(t, laptop, chromedp.WaitVisible(chromedp.Search(`//a[text()="See the workout"]`)))
}

// TestBrowserLiveStrengthAndManualEntry covers the two live sessions that
// need no GPS: a strength session whose sets are logged one by one with a
// rest timer between them (a spectator sees each set arrive), and an
// indoor run whose distance is typed in from the treadmill's display.
func TestBrowserLiveStrengthAndManualEntry(t *testing.T) {
	t.Parallel()
	athlete := newBrowser(t)
	app := startApp(t, nil, "-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "gym.db"))
	defer app.Stop(t)
	browserDo(t, athlete,
		browserSignUp(app.URL, "lifter"),
		chromedp.Click(chromedp.CSS(`a[data-nav=live]`)),
		chromedp.Click(chromedp.CSS(`[data-sport=strength]`)),
		chromedp.Click(chromedp.CSS(`.big-start`)),
		chromedp.WaitVisible(chromedp.CSS(`.set-logger`)),
		chromedp.Click(chromedp.Search(`//button[text()="Create spectator link"]`)),
		chromedp.WaitVisible(chromedp.CSS(`code[data-watch-url]`)),
	)
	watchURL := browserGet(t, athlete, chromedp.Text(chromedp.CSS(`code[data-watch-url]`)))
	spectator := newBrowser(t)
	// A strength session has no distance or pace to show, and is named in words.
	browserDo(t, spectator, chromedp.Navigate(watchURL), chromedp.WaitVisible(chromedp.Search(`//h1[text()="Live: Strength training"]`)))
	if n := browserGet(t, spectator, chromedp.Evaluate[int](`document.querySelectorAll('[data-distance], [data-rate]').length`)); n != 0 {
		t.Fatal("the spectator of a strength session sees distance or pace")
	}

	browserDo(t, athlete,
		chromedp.SetValue(chromedp.CSS(`.set-logger select[name=exercise]`), "squat"),
		chromedp.SendKeys(chromedp.CSS(`.set-logger input[name=weight]`), "100"),
		chromedp.SendKeys(chromedp.CSS(`.set-logger input[name=reps]`), "5"),
		chromedp.Click(chromedp.Search(`//button[text()="Log set"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.live-sets li[data-set="0"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.rest-timer`)),
		chromedp.Click(chromedp.Search(`//button[text()="Log set"]`)), // the same again: the form keeps the last set
		chromedp.WaitVisible(chromedp.CSS(`.live-sets li[data-set="1"]`)),
	)
	if timer := browserGet(t, athlete, chromedp.Text(chromedp.CSS(`.rest-timer`))); !strings.HasPrefix(timer, "Rest 1:") {
		t.Fatalf("rest timer says %q", timer)
	}
	browserDo(t, spectator, chromedp.WaitVisible(chromedp.Search(`//ol[contains(@class,"live-sets")][count(li)=2]`)))
	if sets := browserGet(t, spectator, chromedp.Text(chromedp.CSS(`.live-sets`))); !strings.Contains(sets, "100 kg × 5") {
		t.Fatalf("the spectator sees sets %q", sets)
	}
	browserDo(t, athlete,
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		chromedp.Click(chromedp.Search(`//button[text()="Finish"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href$="/edit"]`)),
	)
	if page := browserGet(t, athlete, chromedp.Text(chromedp.CSS(`#main`))); strings.Count(page, "100 kg") < 2 {
		t.Fatalf("the finished workout does not list both sets: %q", page)
	}

	// An indoor run: no GPS asked for, distance typed in.
	browserDo(t, athlete,
		chromedp.Click(chromedp.CSS(`a[data-nav=live]`)),
		chromedp.WaitVisible(chromedp.CSS(`.big-start`)),
		chromedp.Click(chromedp.CSS(`input[name=indoors]`)),
		chromedp.Click(chromedp.CSS(`.big-start`)),
		chromedp.WaitVisible(chromedp.CSS(`details.manual[open]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=manual_dist]`), "1.5"),
		chromedp.SendKeys(chromedp.CSS(`input[name=manual_hr]`), "140"),
		chromedp.Click(chromedp.Search(`//button[text()="Record"]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector('.net').textContent.startsWith('Connected · 0 samples')`, chromedp.WithPollingTimeout(0), chromedp.WithPollingInterval(50*time.Millisecond)),
	)
	if n := browserGet(t, athlete, chromedp.Evaluate[int](`document.querySelectorAll('.leaflet-container').length`)); n != 0 {
		t.Fatal("an indoor session shows a map")
	}
	browserDo(t, athlete,
		chromedp.Click(chromedp.Search(`//button[text()="Finish"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href$="/edit"]`)),
	)
	if stats := browserGet(t, athlete, chromedp.Text(chromedp.CSS(`.stats`))); !strings.Contains(stats, "1.50 km") {
		t.Fatalf("the indoor run's page shows %q", stats)
	}
}

// TestBrowserImportAndDownload imports files through the Import page's
// file picker, with Strong's weights said to be pounds, watches the
// progress bar fill as the server reports over the socket, reads the
// summary with the failed file's reason, the damaged file recovered and
// the weight unit used, opens a paused run to see its moving and elapsed
// times, then an imported workout and finds its downloads.
func TestBrowserImportAndDownload(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	app := startApp(t, nil, "-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "import.db"))
	defer app.Stop(t)
	dir := t.TempDir()
	var files []string
	for name, data := range map[string][]byte{
		"morning.gpx": gpxRun(600, importStart),
		"ride.tcx.gz": gz(tcxRide(300, importStart.Add(24*time.Hour))),
		"cut.fit":     mustReadFile(t, "testdata/import/Activity.fit")[:56000],
		"paused.gpx":  gpxPaused(600, 120, importStart.Add(48*time.Hour)),
		"strong.csv":  []byte("Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps\n2025-11-05 18:00:00,Legs,38min,Squat (Barbell),1,315,5\n"),
		"notes.txt":   []byte("not an activity"),
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o644)
		files = append(files, p)
	}
	browserDo(t, ctx,
		browserSignUp(app.URL, "ann"),
		chromedp.Click(chromedp.CSS(`a[data-nav=settings]`)),
		chromedp.Click(chromedp.Search(`//a[text()="Import & export"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.drop-zone`)),
		chromedp.SetValue(chromedp.CSS(`select[name=weight_unit]`), "lb"),
		chromedp.SetUploadFiles(chromedp.CSS(`input[type=file]`), files),
		chromedp.WaitVisible(chromedp.CSS(`.import-summary`)),
	)
	summary := browserGet(t, ctx, chromedp.Text(chromedp.CSS(`.import-summary`)))
	if !strings.Contains(summary, "5 workouts imported") || !strings.Contains(summary, "notes.txt") || !strings.Contains(summary, "not a FIT, GPX or TCX file") ||
		!strings.Contains(summary, "cut.fit: recovered from a damaged file") || !strings.Contains(summary, "weights read in pounds") {
		t.Fatalf("summary: %q", summary)
	}
	if done := browserGet(t, ctx, chromedp.Evaluate[bool](`document.querySelector('.import-progress progress').value === 6`)); !done {
		t.Fatal("the progress bar did not reach the end")
	}
	if href := browserGet(t, ctx, chromedp.AttributeValue(chromedp.Search(`//a[text()="Download everything"]`), "href")); href.Value != "/api/export" {
		t.Fatalf("export link %q", href.Value)
	}
	browserDo(t, ctx,
		chromedp.Click(chromedp.Search(`//a[text()="See your workouts"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href^="/workouts/"]`)),
	)
	// The paused run shows moving and elapsed time, in the list and on its page.
	if row := browserGet(t, ctx, chromedp.Text(chromedp.Search(`//a[starts-with(@href,"/workouts/")][contains(., "Paused loop")]`))); !strings.Contains(row, "9:58 moving (11:59 elapsed)") {
		t.Fatalf("the paused run's row: %q", row)
	}
	browserDo(t, ctx,
		chromedp.Click(chromedp.Search(`//a[starts-with(@href,"/workouts/")][contains(., "Paused loop")]`)),
		chromedp.WaitVisible(chromedp.CSS(`.stats`)),
	)
	if stats := browserGet(t, ctx, chromedp.Text(chromedp.CSS(`.stats`))); !strings.Contains(stats, "Moving time") || !strings.Contains(stats, "9:58") ||
		!strings.Contains(stats, "Elapsed time") || !strings.Contains(stats, "11:59") {
		t.Fatalf("the paused run's page: %q", stats)
	}
	browserDo(t, ctx,
		chromedp.NavigateBack(),
		chromedp.WaitVisible(chromedp.CSS(`a[href^="/workouts/"]`)),
		chromedp.Click(chromedp.Search(`//a[starts-with(@href,"/workouts/")][contains(., "Morning loop")]`)),
		chromedp.WaitVisible(chromedp.Search(`//a[text()="Original file"]`)),
	)
	links := browserGet(t, ctx, chromedp.Text(chromedp.CSS(`.downloads`)))
	if !strings.Contains(links, "GPX") || !strings.Contains(links, "FIT") {
		t.Fatalf("downloads: %q", links)
	}
}
