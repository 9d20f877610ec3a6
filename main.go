// Command fitcast is a self-hosted, real-time fitness tracker and live
// scoreboard: one binary that keeps workouts and goals in SQLite and serves
// its web UI, JSON API and WebSocket endpoints.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

// Defaults for the command-line flags.
const (
	DefaultAddr      = "localhost:8080"
	DefaultDB        = "fitcast.db"
	DefaultSignup    = "closed"
	DefaultLogFormat = "text"
	DefaultLogLevel  = "info"
	// DefaultWSMaxPerUser allows a user plenty of tabs and devices while
	// bounding what one stolen token can open.
	DefaultWSMaxPerUser = 64
	// DefaultWSMaxPerAddr bounds the anonymous sockets (spectators) one
	// client address may hold: a whole club behind one NAT watching a
	// game, but not one client holding thousands. Signed-in sockets count
	// against -ws-max-per-user instead.
	DefaultWSMaxPerAddr = 256
	// shutdownGrace is how long in-flight requests get to finish on Ctrl-C
	// or SIGTERM before their connections are cut.
	shutdownGrace = 10 * time.Second
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fitcast:", err)
		os.Exit(1)
	}
}

// config is everything the flags and environment decide.
type config struct {
	Addr        string
	DB          string
	SignupOpen  bool
	LogFormat   string
	LogLevel    string
	BehindProxy bool
	BaseURL     string

	Tiles            string // map tile URL template; DefaultTiles when empty
	TilesAttribution string // credit shown on maps; see tilesAttribution

	WSMaxPerUser     int                  // sockets per signed-in user
	WSMaxPerAddr     int                  // anonymous sockets per client address
	ImportMaxFile    int64                // bytes one imported file may hold, decompressed
	ImportMaxArchive int64                // bytes one upload or archive may hold
	ImportWeightUnit string               // fitcast import: kg or lb for strength CSVs that do not say; "" is the account's
	Retention        map[string]Retention // topic history kept, by topic kind
	retention        string               // -retention as given

	Watch         []watchSpec     // folders whose new files are imported (-watch)
	Replicate     []replicaTarget // where the database is replicated to (-replicate; replicate.go)
	WatchInterval time.Duration   // how often they are looked at; 0 only on request (tests)

	// Single sign-on (sso.go).
	AuthHeader        string         // header a trusted proxy names the signed-in user in, e.g. Remote-User
	TrustedProxies    []netip.Prefix // where that header is taken from, under -behind-proxy
	trustedProxies    string         // -trusted-proxies as given
	SSOCreateUsers    bool           // create accounts on first single sign-on
	NoLocalPasswords  bool           // -local-passwords=false: no sign-in or sign-up with a password
	OIDCIssuer        string
	OIDCClientID      string
	OIDCClientSecret  string
	oidcSecretFile    string
	OIDCName          string // the provider's name on the sign-in button
	OIDCUsernameClaim string
	OIDCGroupsClaim   string
	OIDCAllowedEmails []string // addresses, or @domain
	OIDCAllowedGroups []string
	oidcEmails        string
	oidcGroups        string

	// Hub holds the hub's other limits, which have no flags: their
	// defaults suit every deployment; tests tighten them.
	Hub hubConfig
}

const usageText = `fitcast: a self-hosted, real-time fitness tracker and live scoreboard.

Usage:
  fitcast [flags]                     serve the app (the default)
  fitcast [flags] backup FILE         write a consistent copy of the database to FILE
  fitcast -db FILE restore -from URL [-at TIME]
                                      restore a replica (latest, or as of TIME) into a new FILE
  fitcast [flags] user add NAME       create an account (password from stdin or a prompt)
  fitcast [flags] user passwd NAME    set an account's password and sign it out everywhere
  fitcast [flags] user list           list accounts
  fitcast [flags] import [-user NAME] FILE|FOLDER...
                                      import activity files, archives and CSV exports
  fitcast bench [bench flags]         load-test a running fitcast (fitcast bench -h)

Every flag can also be set with the environment variable named in its help.

Flags:
`

// flagSet declares every flag on a new FlagSet, with defaults taken from
// base. Subcommands get the same flags, so "fitcast backup -db x.db out.db"
// works as well as "fitcast -db x.db backup out.db".
func flagSet(name string, base config, cfg *config, signup *string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usageText)
		fs.PrintDefaults()
	}
	current := "closed"
	if base.SignupOpen {
		current = "open"
	}
	fs.StringVar(&cfg.Addr, "addr", base.Addr, "address to listen on, host:port (env FITCAST_ADDR)")
	fs.StringVar(&cfg.DB, "db", base.DB, "SQLite database file, created if missing (env FITCAST_DB)")
	fs.StringVar(signup, "signup", current, "who may create an account: closed (only the admin, after the first account) or open (env FITCAST_SIGNUP)")
	fs.StringVar(&cfg.LogFormat, "log-format", base.LogFormat, "log format: text or json (env FITCAST_LOG_FORMAT)")
	fs.StringVar(&cfg.LogLevel, "log-level", base.LogLevel, "log level: debug, info, warn or error (env FITCAST_LOG_LEVEL)")
	fs.BoolVar(&cfg.BehindProxy, "behind-proxy", base.BehindProxy, "trust X-Forwarded-For and X-Forwarded-Proto from a reverse proxy (env FITCAST_BEHIND_PROXY)")
	fs.StringVar(&cfg.BaseURL, "base-url", base.BaseURL, "public URL of this fitcast, used for share links and origin checks, e.g. https://fit.example.com (env FITCAST_BASE_URL)")
	fs.IntVar(&cfg.WSMaxPerUser, "ws-max-per-user", base.WSMaxPerUser, "WebSocket connections one signed-in user may hold at once (env FITCAST_WS_MAX_PER_USER)")
	fs.IntVar(&cfg.WSMaxPerAddr, "ws-max-per-addr", base.WSMaxPerAddr, "anonymous WebSocket connections one client address may hold at once; behind a proxy (-behind-proxy) the forwarded address (env FITCAST_WS_MAX_PER_ADDR)")
	fs.Func("import-max-file", fmt.Sprintf("largest file an import reads, in MB, once decompressed (default %d; env FITCAST_IMPORT_MAX_FILE)", base.ImportMaxFile>>20), megabytes(&cfg.ImportMaxFile))
	fs.Func("import-max-archive", fmt.Sprintf("largest upload or archive an import takes, in MB (default %d; env FITCAST_IMPORT_MAX_ARCHIVE)", base.ImportMaxArchive>>20), megabytes(&cfg.ImportMaxArchive))
	fs.Func("watch", "import the files that appear in DIR into the account NAME, as NAME=DIR; repeat for more folders (env FITCAST_WATCH, items separated by ';')", func(v string) error {
		w, err := parseWatch(v)
		if err == nil {
			cfg.Watch = append(cfg.Watch[:len(cfg.Watch):len(cfg.Watch)], w)
		}
		return err
	})
	fs.Func("replicate", replicateFlagHelp, func(v string) error {
		t, err := parseReplicaURL(v)
		if err == nil {
			cfg.Replicate = append(cfg.Replicate[:len(cfg.Replicate):len(cfg.Replicate)], t)
		}
		return err
	})
	fs.DurationVar(&cfg.WatchInterval, "watch-interval", base.WatchInterval, "how often watched folders are looked at; a file is imported once it looked the same twice (env FITCAST_WATCH_INTERVAL)")
	fs.StringVar(&cfg.AuthHeader, "auth-header", base.AuthHeader, "sign people in by this header, set by an authenticating reverse proxy (e.g. Remote-User); honoured only under -behind-proxy from -trusted-proxies (env FITCAST_AUTH_HEADER)")
	fs.StringVar(&cfg.trustedProxies, "trusted-proxies", base.trustedProxies, "addresses and CIDR ranges of the reverse proxies whose -auth-header is believed (env FITCAST_TRUSTED_PROXIES)")
	fs.BoolVar(&cfg.SSOCreateUsers, "sso-create-users", base.SSOCreateUsers, "create an account on first single sign-on (env FITCAST_SSO_CREATE_USERS)")
	localPasswords := !base.NoLocalPasswords
	fs.Func("local-passwords", fmt.Sprintf("allow sign-in and sign-up with a password; false leaves single sign-on only (default %t; env FITCAST_LOCAL_PASSWORDS)", localPasswords), func(v string) error {
		b, err := strconv.ParseBool(v)
		cfg.NoLocalPasswords = !b
		return err
	})
	fs.StringVar(&cfg.OIDCIssuer, "oidc-issuer", base.OIDCIssuer, "OpenID Connect issuer URL, e.g. https://auth.example.com; turns on \"Sign in with ...\" (env FITCAST_OIDC_ISSUER)")
	fs.StringVar(&cfg.OIDCClientID, "oidc-client-id", base.OIDCClientID, "OpenID Connect client id (env FITCAST_OIDC_CLIENT_ID)")
	fs.StringVar(&cfg.OIDCClientSecret, "oidc-client-secret", base.OIDCClientSecret, "OpenID Connect client secret (env FITCAST_OIDC_CLIENT_SECRET)")
	fs.StringVar(&cfg.oidcSecretFile, "oidc-client-secret-file", base.oidcSecretFile, "file holding the OpenID Connect client secret (env FITCAST_OIDC_CLIENT_SECRET_FILE)")
	fs.StringVar(&cfg.OIDCName, "oidc-name", base.OIDCName, "the provider's name on the sign-in button (env FITCAST_OIDC_NAME)")
	fs.StringVar(&cfg.OIDCUsernameClaim, "oidc-username-claim", base.OIDCUsernameClaim, "ID token claim that gives the fitcast username (env FITCAST_OIDC_USERNAME_CLAIM)")
	fs.StringVar(&cfg.OIDCGroupsClaim, "oidc-groups-claim", base.OIDCGroupsClaim, "ID token claim that lists a person's groups (env FITCAST_OIDC_GROUPS_CLAIM)")
	fs.StringVar(&cfg.oidcEmails, "oidc-allowed-emails", base.oidcEmails, "comma-separated verified emails, or @domain, allowed to sign in (env FITCAST_OIDC_ALLOWED_EMAILS)")
	fs.StringVar(&cfg.oidcGroups, "oidc-allowed-groups", base.oidcGroups, "comma-separated groups allowed to sign in; with neither list, anyone the provider signs in (env FITCAST_OIDC_ALLOWED_GROUPS)")
	fs.StringVar(&cfg.Tiles, "tiles", base.Tiles, "map tile URL template with {z}, {x}, {y} (and optional {s}), e.g. your own or an offline tile server (env FITCAST_TILES; default OpenStreetMap)")
	fs.StringVar(&cfg.TilesAttribution, "tiles-attribution", base.TilesAttribution, "credit shown on maps for -tiles (env FITCAST_TILES_ATTRIBUTION; default the tile server's host)")
	fs.StringVar(&cfg.retention, "retention", base.retention, "topic history kept for resume, as kind=age/count items, e.g. user=168h/10000,games=48h/10000; 0 is no limit (env FITCAST_RETENTION)")
	return fs
}

// configFromEnv reads the environment fallbacks; flags override them.
func configFromEnv(getenv func(string) string) (config, error) {
	cfg := config{
		Addr:      DefaultAddr,
		DB:        DefaultDB,
		LogFormat: DefaultLogFormat,
		LogLevel:  DefaultLogLevel,
		BaseURL:   getenv("FITCAST_BASE_URL"),
		retention: getenv("FITCAST_RETENTION"),

		WSMaxPerUser:     DefaultWSMaxPerUser,
		WSMaxPerAddr:     DefaultWSMaxPerAddr,
		ImportMaxFile:    defaultImportMaxFile,
		ImportMaxArchive: defaultImportMaxArchive,
		WatchInterval:    DefaultWatchInterval,

		trustedProxies:    DefaultTrustedProxies,
		OIDCName:          "single sign-on",
		OIDCUsernameClaim: "preferred_username",
		OIDCGroupsClaim:   "groups",
	}
	set := func(dst *string, key string) {
		if v := getenv(key); v != "" {
			*dst = v
		}
	}
	set(&cfg.Addr, "FITCAST_ADDR")
	set(&cfg.DB, "FITCAST_DB")
	set(&cfg.LogFormat, "FITCAST_LOG_FORMAT")
	set(&cfg.LogLevel, "FITCAST_LOG_LEVEL")
	set(&cfg.Tiles, "FITCAST_TILES")
	set(&cfg.TilesAttribution, "FITCAST_TILES_ATTRIBUTION")
	set(&cfg.ImportWeightUnit, "FITCAST_IMPORT_WEIGHT_UNIT")
	if v := getenv("FITCAST_WS_MAX_PER_USER"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return cfg, fmt.Errorf("FITCAST_WS_MAX_PER_USER=%q: want a positive number", v)
		}
		cfg.WSMaxPerUser = n
	}
	if v := getenv("FITCAST_WS_MAX_PER_ADDR"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return cfg, fmt.Errorf("FITCAST_WS_MAX_PER_ADDR=%q: want a positive number", v)
		}
		cfg.WSMaxPerAddr = n
	}
	for key, dst := range map[string]*int64{"FITCAST_IMPORT_MAX_FILE": &cfg.ImportMaxFile, "FITCAST_IMPORT_MAX_ARCHIVE": &cfg.ImportMaxArchive} {
		if v := getenv(key); v != "" {
			if err := megabytes(dst)(v); err != nil {
				return cfg, fmt.Errorf("%s=%q: %v", key, v, err)
			}
		}
	}
	set(&cfg.AuthHeader, "FITCAST_AUTH_HEADER")
	set(&cfg.trustedProxies, "FITCAST_TRUSTED_PROXIES")
	set(&cfg.OIDCIssuer, "FITCAST_OIDC_ISSUER")
	set(&cfg.OIDCClientID, "FITCAST_OIDC_CLIENT_ID")
	set(&cfg.OIDCClientSecret, "FITCAST_OIDC_CLIENT_SECRET")
	set(&cfg.oidcSecretFile, "FITCAST_OIDC_CLIENT_SECRET_FILE")
	set(&cfg.OIDCName, "FITCAST_OIDC_NAME")
	set(&cfg.OIDCUsernameClaim, "FITCAST_OIDC_USERNAME_CLAIM")
	set(&cfg.OIDCGroupsClaim, "FITCAST_OIDC_GROUPS_CLAIM")
	set(&cfg.oidcEmails, "FITCAST_OIDC_ALLOWED_EMAILS")
	set(&cfg.oidcGroups, "FITCAST_OIDC_ALLOWED_GROUPS")
	for key, dst := range map[string]*bool{"FITCAST_SSO_CREATE_USERS": &cfg.SSOCreateUsers, "FITCAST_LOCAL_PASSWORDS": &cfg.NoLocalPasswords} {
		if v := getenv(key); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return cfg, fmt.Errorf("%s=%q: want true or false", key, v)
			}
			*dst = b
			if key == "FITCAST_LOCAL_PASSWORDS" {
				*dst = !b
			}
		}
	}
	if v := getenv("FITCAST_WATCH"); v != "" {
		for _, item := range strings.Split(v, ";") {
			if item = strings.TrimSpace(item); item == "" {
				continue
			}
			w, err := parseWatch(item)
			if err != nil {
				return cfg, fmt.Errorf("FITCAST_WATCH: %v", err)
			}
			cfg.Watch = append(cfg.Watch, w)
		}
	}
	for _, item := range strings.Fields(getenv("FITCAST_REPLICATE")) {
		t, err := parseReplicaURL(item)
		if err != nil {
			return cfg, fmt.Errorf("FITCAST_REPLICATE: %v", err)
		}
		cfg.Replicate = append(cfg.Replicate, t)
	}
	if v := getenv("FITCAST_WATCH_INTERVAL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return cfg, fmt.Errorf("FITCAST_WATCH_INTERVAL=%q: want a duration of 1s or more, e.g. 30s", v)
		}
		cfg.WatchInterval = d
	}
	if v := getenv("FITCAST_BEHIND_PROXY"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return cfg, fmt.Errorf("FITCAST_BEHIND_PROXY=%q: want true or false", v)
		}
		cfg.BehindProxy = b
	}
	switch v := getenv("FITCAST_SIGNUP"); v {
	case "", "closed":
	case "open":
		cfg.SignupOpen = true
	default:
		return cfg, fmt.Errorf("FITCAST_SIGNUP=%q: want open or closed", v)
	}
	return cfg, nil
}

// megabytes parses a positive whole number of megabytes into bytes.
func megabytes(dst *int64) func(string) error {
	return func(v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 || n > 1<<20 {
			return fmt.Errorf("want a number of megabytes from 1 to %d", 1<<20)
		}
		*dst = n << 20
		return nil
	}
}

// parseFlags parses args over base and checks the values that have a
// fixed set of choices. With interspersed, flags may come after other
// arguments too ("fitcast user list -db x.db"); extra declares a
// subcommand's own flags.
func parseFlags(name string, base config, args []string, stderr io.Writer, interspersed bool, extra ...func(*flag.FlagSet)) (config, []string, error) {
	cfg := base
	var signup string
	fs := flagSet(name, base, &cfg, &signup, stderr)
	for _, e := range extra {
		e(fs)
	}
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return cfg, nil, err
		}
		rest := fs.Args()
		if !interspersed || len(rest) == 0 {
			positional = append(positional, rest...)
			break
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			positional = append(positional, rest...) // after "--" nothing is a flag
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	switch signup {
	case "open":
		cfg.SignupOpen = true
	case "closed":
		cfg.SignupOpen = false
	default:
		return cfg, nil, fmt.Errorf("-signup %q: want open or closed", signup)
	}
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return cfg, nil, fmt.Errorf("-log-format %q: want text or json", cfg.LogFormat)
	}
	var lvl slog.Level
	var err error
	if err = lvl.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return cfg, nil, fmt.Errorf("-log-level %q: want debug, info, warn or error", cfg.LogLevel)
	}
	if cfg.WSMaxPerUser < 1 {
		return cfg, nil, fmt.Errorf("-ws-max-per-user %d: want 1 or more", cfg.WSMaxPerUser)
	}
	if cfg.WatchInterval < time.Second {
		return cfg, nil, fmt.Errorf("-watch-interval %s: want 1s or more", cfg.WatchInterval)
	}
	if err := checkSSO(&cfg); err != nil {
		return cfg, nil, err
	}
	if cfg.WSMaxPerAddr < 1 {
		return cfg, nil, fmt.Errorf("-ws-max-per-addr %d: want 1 or more", cfg.WSMaxPerAddr)
	}
	if cfg.Retention, err = parseRetention(cfg.retention); err != nil {
		return cfg, nil, err
	}
	if cfg.Tiles != "" {
		if err := checkTiles(cfg.Tiles); err != nil {
			return cfg, nil, err
		}
	}
	if cfg.BaseURL != "" && !strings.HasPrefix(cfg.BaseURL, "http://") && !strings.HasPrefix(cfg.BaseURL, "https://") {
		return cfg, nil, fmt.Errorf("-base-url %q: want an http:// or https:// URL", cfg.BaseURL)
	}
	return cfg, positional, nil
}

// run is the whole program, so that tests can start it on port 0 with
// their own environment and output, and stop it by cancelling ctx.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	base, err := configFromEnv(getenv)
	if err != nil {
		return err
	}
	cfg, rest, err := parseFlags("fitcast", base, args, stderr, false)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return serve(ctx, cfg, stdout, stderr)
	}
	cmd, cmdArgs := rest[0], rest[1:]
	if cmd == "bench" { // a client of a running fitcast: it has flags of its own
		return benchCommand(ctx, cmdArgs, stdout, stderr)
	}
	if cmd == "import" { // has a flag of its own besides the common ones
		return importCommand(ctx, cfg, cmdArgs, stdout, stderr)
	}
	if cmd == "restore" { // -from and -at are its own
		return restoreCommand(ctx, cfg, cmdArgs, stdout, stderr)
	}
	var admin bool
	userFlags := func(fs *flag.FlagSet) {
		if cmd == "user" {
			fs.BoolVar(&admin, "admin", false, "make the new account an admin (user add)")
		}
	}
	if cfg, cmdArgs, err = parseFlags("fitcast "+cmd, cfg, cmdArgs, stderr, true, userFlags); err != nil {
		return err
	}
	switch cmd {
	case "serve":
		return serve(ctx, cfg, stdout, stderr)
	case "backup":
		return backupCommand(ctx, cfg, cmdArgs, stdout)
	case "user":
		return userCommand(ctx, cfg, cmdArgs, admin, stdin, stdout, stderr)
	default:
		return fmt.Errorf("unknown command %q; run fitcast -h for the list", cmd)
	}
}

func newLogger(cfg config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	lvl.UnmarshalText([]byte(cfg.LogLevel)) // checked by parseFlags
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// serve runs the server until ctx ends, then shuts down in order: stop
// accepting, let in-flight requests finish, commit pending writes, close
// the database.
func serve(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	log := newLogger(cfg, stderr)
	// Every socket is a descriptor: take all the process may have, and
	// say how many that is.
	if soft, hard, raised, err := raiseFileLimit(); err != nil {
		log.Warn("could not raise the open-file limit", "soft", soft, "hard", hard, "err", err)
	} else {
		log.Info("open-file limit", "soft", soft, "hard", hard, "raised", raised)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", cfg.Addr, errors.Unwrap(err))
	}
	defer ln.Close()
	store, err := openStore(cfg.DB, nil, storeOptions{replicated: len(cfg.Replicate) > 0})
	if err != nil {
		return err
	}
	defer store.Close()
	// Replication starts after the store (whose migrations may create the
	// file) and stops after it: Litestream must be the last to close the
	// database, so that it ships the final transactions.
	rep, err := startReplication(ctx, cfg.DB, cfg.Replicate, log)
	if err != nil {
		return err
	}
	defer func() { store.Close(); rep.Close() }() // in that order, on every way out
	srv, err := newServer(cfg, store, log)
	if err != nil {
		return err
	}
	srv.setReplication(rep)
	httpServer := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ConnState:         srv.fds.connState, // counts descriptors held by HTTP connections
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- httpServer.Serve(ln) }()

	// Sign-up is open for the first account whatever -signup says, so a
	// fresh database says so rather than "closed". Asked before the URL is
	// printed: whoever waits for the URL may stop the server at once.
	signup := "closed"
	if cfg.SignupOpen {
		signup = "open"
	} else if has, err := store.HasUsers(ctx); err == nil && !has {
		signup = "open for the first account"
	}
	fmt.Fprintf(stdout, "fitcast %s serving on %s (database %s)\n", version, listenURL(cfg.Addr, ln.Addr()), cfg.DB)
	log.Info("serving", "addr", ln.Addr().String(), "db", cfg.DB, "signup", signup)

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := httpServer.Shutdown(shutdownCtx); err != nil {
		log.Warn("in-flight requests cut off at shutdown", "err", err)
		httpServer.Close()
	}
	// Shutdown does not wait for hijacked WebSocket connections: the hub
	// flushes and closes them (1001), before the store commits what is left.
	srv.Close(shutdownCtx)
	if err := store.Close(); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	if err := rep.Close(); err != nil {
		log.Warn("replica: last changes may not have been shipped", "err", err)
	}
	log.Info("stopped")
	return nil
}

// listenURL is the address to print for people: the configured host (or
// localhost when listening on all interfaces) with the port actually bound.
func listenURL(configured string, bound net.Addr) string {
	host, _, err := net.SplitHostPort(configured)
	if err != nil || host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	_, port, _ := net.SplitHostPort(bound.String())
	return "http://" + net.JoinHostPort(host, port)
}

func backupCommand(ctx context.Context, cfg config, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: fitcast backup FILE")
	}
	if err := Backup(ctx, cfg.DB, args[0]); err != nil {
		return err
	}
	info, err := os.Stat(args[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s (%d bytes)\n", cfg.DB, args[0], info.Size())
	return nil
}

// userCommand runs "fitcast user SUB [NAME]"; args are what is left once
// the flags, wherever they stood, are read.
func userCommand(ctx context.Context, cfg config, args []string, admin bool, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: fitcast user add|passwd|list [NAME]")
	}
	sub := args[0]
	store, err := OpenStore(cfg.DB, nil)
	if err != nil {
		return err
	}
	defer store.Close()

	if sub == "list" {
		users, err := store.Users(ctx)
		if err != nil {
			return err
		}
		for _, u := range users {
			role := "user"
			if u.Admin {
				role = "admin"
			}
			fmt.Fprintf(stdout, "%d\t%s\t%s\t%s\n", u.ID, u.Username, role, u.CreatedAt.Format(time.DateOnly))
		}
		return nil
	}
	if len(args) != 2 || (sub != "add" && sub != "passwd") {
		return errors.New("usage: fitcast user add|passwd NAME")
	}
	name := args[1]
	if sub == "add" {
		if err := validateUsername(name); err != nil {
			return errors.New(err.(*apiError).Message)
		}
	}
	var u User
	if sub == "passwd" {
		if u, err = store.UserByName(ctx, name); err != nil {
			return fmt.Errorf("user %q: %w", name, err)
		}
	}
	password, err := readPassword(stdin, stderr)
	if err != nil {
		return err
	}
	if err := validatePassword("password", password); err != nil {
		return errors.New(err.(*apiError).Message)
	}
	switch sub {
	case "add":
		u, err = store.CreateUser(ctx, name, hashPassword(password), admin, false, false)
		if errors.Is(err, errConflict) {
			return fmt.Errorf("user %q already exists", name)
		}
		if err != nil {
			return err
		}
		role := "user"
		if u.Admin {
			role = "admin"
		}
		fmt.Fprintf(stdout, "created %s %s (id %d)\n", role, u.Username, u.ID)
	case "passwd":
		if err := store.SetPassword(ctx, u.ID, hashPassword(password), 0); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "password changed for %s; all of its sessions were signed out\n", u.Username)
	}
	return nil
}

// readPassword prompts twice on a terminal, without echo; otherwise it
// reads the first line of stdin, so scripts can pipe a password in.
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "Password: ")
		first, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(stderr, "Again: ")
		second, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		if string(first) != string(second) {
			return "", errors.New("the passwords do not match")
		}
		return string(first), nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("no password on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}
