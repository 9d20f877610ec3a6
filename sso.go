package main

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Single sign-on: a trusted header set by an authenticating reverse proxy
// (Authelia, Authentik, oauth2-proxy), and OpenID Connect. Either may
// create the account on first sign-in (-sso-create-users; the very first
// account on an instance is always created, and is the admin), and local
// passwords can be turned off when one of them is in use.

// DefaultTrustedProxies are the addresses a trusted header is taken from
// unless -trusted-proxies says otherwise: a proxy on the same machine.
const DefaultTrustedProxies = "127.0.0.0/8,::1/128"

// parsePrefixes reads a comma-separated list of addresses and CIDR ranges.
func parsePrefixes(v string) ([]netip.Prefix, error) {
	var list []netip.Prefix
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if p, err := netip.ParsePrefix(item); err == nil {
			list = append(list, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a CIDR range", item)
		}
		list = append(list, netip.PrefixFrom(a, a.BitLen()))
	}
	return list, nil
}

// fromTrustedProxy reports whether the connection itself (not anything
// the request claims) comes from one of the trusted proxies.
func (s *server) fromTrustedProxy(r *http.Request) bool {
	if !s.cfg.BehindProxy {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// proxyUser signs a request in by the -auth-header its proxy set. The
// header counts only on connections from a trusted proxy under
// -behind-proxy; from anywhere else it is ignored, as if absent. ok is
// false when the request is not signed in this way.
func (s *server) proxyUser(r *http.Request) (p *principal, ok bool, err error) {
	if s.cfg.AuthHeader == "" || !s.fromTrustedProxy(r) {
		return nil, false, nil
	}
	name := strings.TrimSpace(r.Header.Get(s.cfg.AuthHeader))
	if name == "" {
		return nil, false, nil
	}
	u, err := s.ssoUser(r.Context(), name, nil, "proxy")
	if err != nil {
		return nil, true, err
	}
	return &principal{User: u}, true, nil
}

// ssoUser finds the account an identity provider vouches for: the one
// linked to the identity, or the one of that name, or else a new one when
// that is allowed. ident, when given, is linked to the account.
func (s *server) ssoUser(ctx context.Context, name string, ident *ssoIdentity, via string) (User, error) {
	if ident != nil {
		u, err := s.store.UserByIdentity(ctx, ident.Issuer, ident.Subject)
		if err == nil || !errors.Is(err, errNotFound) {
			return u, err
		}
	}
	if !usernamePattern.MatchString(name) {
		return User{}, errorf(codeSSOUsername, "the name %q your sign-in gives is not a usable fitcast username (1-64 letters, digits, '.', '_' or '-')", name)
	}
	u, err := s.store.UserByName(ctx, name)
	if errors.Is(err, errNotFound) {
		has, herr := s.store.HasUsers(ctx)
		if herr != nil {
			return u, herr
		}
		if has && !s.cfg.SSOCreateUsers {
			return u, errorf(codeNoAccount, "%s has no account on this fitcast; ask its admin for one", name)
		}
		u, err = s.store.CreateUser(ctx, name, "", false, false, false)
		if errors.Is(err, errConflict) { // created by a request racing this one
			u, err = s.store.UserByName(ctx, name)
		} else if err == nil {
			s.log.Info("account created", "user", u.Username, "admin", u.Admin, "via", via)
		}
	}
	if err != nil {
		return u, err
	}
	if ident != nil {
		err = s.store.LinkIdentity(ctx, ident.Issuer, ident.Subject, u.ID)
	}
	return u, err
}

// ssoIdentity is who an OpenID provider says a person is: stable across
// renames, unlike a username.
type ssoIdentity struct {
	Issuer, Subject string
}

var errPasswordsOff = errorf(codePasswordsDisabled, "sign-in with a password is turned off on this fitcast; use single sign-on")

// passwords wraps a handler that takes or sets a local password, so that
// -local-passwords=false turns it off.
func (s *server) passwords(h apiHandler) apiHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if s.cfg.NoLocalPasswords {
			return errPasswordsOff
		}
		return h(w, r)
	}
}

// signInOptions tells the sign-in page how people sign in here.
func (s *server) signInOptions() map[string]any {
	opts := map[string]any{"password_login": !s.cfg.NoLocalPasswords, "sso": nil}
	if s.oidc != nil {
		opts["sso"] = map[string]string{"name": s.cfg.OIDCName, "url": "/api/auth/oidc/login"}
	}
	return opts
}

// ---- OpenID Connect ----------------------------------------------------

const oidcCookie = "fitcast_oidc"

// oidcAuth signs people in with an OpenID provider, by the authorization
// code flow with PKCE and a nonce. The provider is discovered on first
// use, so fitcast starts while the provider is down.
type oidcAuth struct {
	cfg config

	mu       sync.Mutex
	provider *oidc.Provider
}

func newOIDC(cfg config) *oidcAuth {
	if cfg.OIDCIssuer == "" {
		return nil
	}
	return &oidcAuth{cfg: cfg}
}

func (o *oidcAuth) discover(ctx context.Context) (*oidc.Provider, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider != nil {
		return o.provider, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(oidc.ClientContext(context.WithoutCancel(ctx), http.DefaultClient), o.cfg.OIDCIssuer)
	if err != nil {
		return nil, errorf(codeSSOUnavailable, "the sign-in provider cannot be reached: %v", err)
	}
	o.provider = p
	return p, nil
}

// oauthConfig asks for the profile and email, and for the groups when the
// provider offers such a scope (some refuse scopes they do not know).
func (s *server) oauthConfig(r *http.Request, p *oidc.Provider) oauth2.Config {
	scopes := []string{oidc.ScopeOpenID, "profile", "email"}
	var meta struct {
		Scopes []string `json:"scopes_supported"`
	}
	if p.Claims(&meta) == nil && slices.Contains(meta.Scopes, "groups") {
		scopes = append(scopes, "groups")
	}
	return oauth2.Config{
		ClientID:     s.cfg.OIDCClientID,
		ClientSecret: s.cfg.OIDCClientSecret,
		Endpoint:     p.Endpoint(),
		RedirectURL:  s.publicURL(r) + "/api/auth/oidc/callback",
		Scopes:       scopes,
	}
}

// oidcLogin sends the browser to the provider, remembering in a
// short-lived cookie the state, nonce and PKCE verifier that the
// callback checks, and where to go afterwards.
func (s *server) oidcLogin(w http.ResponseWriter, r *http.Request) error {
	if s.oidc == nil {
		return errorf(codeNotFound, "OpenID Connect sign-in is not set up on this fitcast")
	}
	p, err := s.oidc.discover(r.Context())
	if err != nil {
		return err
	}
	state, nonce, verifier := newSecret(), newSecret(), oauth2.GenerateVerifier()
	next := r.URL.Query().Get("next")
	if !localPath(next) {
		next = "/"
	}
	http.SetCookie(w, &http.Cookie{
		Name: oidcCookie, Value: strings.Join([]string{state, nonce, verifier, url.QueryEscape(next)}, "."),
		Path: "/api/auth/oidc/", MaxAge: 600, HttpOnly: true, Secure: s.secureRequest(r), SameSite: http.SameSiteLaxMode,
	})
	oc := s.oauthConfig(r, p)
	http.Redirect(w, r, oc.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
	return nil
}

// localPath reports whether next is a path on this site, so that a
// sign-in link cannot send people elsewhere afterwards.
func localPath(next string) bool {
	return strings.HasPrefix(next, "/") && !strings.HasPrefix(next, "//") && !strings.HasPrefix(next, `/\`) && len(next) < 1024
}

// oidcCallback is where the provider sends the browser back. It checks
// the state against the cookie, exchanges the code, verifies the ID
// token and its nonce, applies the allowed emails and groups, and starts
// a session. A browser cannot show a JSON error, so failures go to the
// sign-in page with the reason.
func (s *server) oidcCallback(w http.ResponseWriter, r *http.Request) error {
	if s.oidc == nil {
		return errorf(codeNotFound, "OpenID Connect sign-in is not set up on this fitcast")
	}
	next, err := s.oidcFinish(w, r)
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: "", Path: "/api/auth/oidc/", MaxAge: -1, HttpOnly: true, Secure: s.secureRequest(r), SameSite: http.SameSiteLaxMode})
	if err != nil {
		var ae *apiError
		msg := "sign-in failed; try again"
		if errors.As(err, &ae) {
			msg = ae.Message
		} else {
			s.log.Warn("OpenID sign-in failed", "err", err)
		}
		http.Redirect(w, r, "/login?sso_error="+url.QueryEscape(msg), http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *server) oidcFinish(w http.ResponseWriter, r *http.Request) (string, error) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		return "", errorf(codeSSODenied, "the sign-in provider said: %s", strings.TrimSpace(e+" "+q.Get("error_description")))
	}
	c, err := r.Cookie(oidcCookie)
	if err != nil {
		return "", errorf(codeSSOState, "this sign-in took too long or was started elsewhere; start it again")
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 4 || subtle.ConstantTimeCompare([]byte(parts[0]), []byte(q.Get("state"))) != 1 {
		return "", errorf(codeSSOState, "this sign-in took too long or was started elsewhere; start it again")
	}
	nonce, verifier := parts[1], parts[2]
	next, _ := url.QueryUnescape(parts[3])
	if !localPath(next) {
		next = "/"
	}
	p, err := s.oidc.discover(r.Context())
	if err != nil {
		return "", err
	}
	oc := s.oauthConfig(r, p)
	ctx := oidc.ClientContext(r.Context(), http.DefaultClient)
	tok, err := oc.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		return "", fmt.Errorf("code exchange: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return "", errors.New("the provider sent no ID token")
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: s.cfg.OIDCClientID}).Verify(ctx, raw)
	if err != nil {
		return "", fmt.Errorf("ID token: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return "", errors.New("ID token nonce does not match")
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return "", err
	}
	if err := s.oidcAllowed(claims); err != nil {
		s.log.Warn("OpenID sign-in refused", "sub", idt.Subject, "err", err)
		return "", err
	}
	u, err := s.ssoUser(r.Context(), oidcUsername(claims, s.cfg.OIDCUsernameClaim), &ssoIdentity{Issuer: idt.Issuer, Subject: idt.Subject}, "oidc")
	if err != nil {
		return "", err
	}
	if err := s.startSession(w, r, u); err != nil {
		return "", err
	}
	return next, nil
}

// oidcAllowed applies -oidc-allowed-emails and -oidc-allowed-groups:
// with either set, a person must match one of them. An email counts only
// when the provider says it is verified.
func (s *server) oidcAllowed(claims map[string]any) error {
	emails, groups := s.cfg.OIDCAllowedEmails, s.cfg.OIDCAllowedGroups
	if len(emails) == 0 && len(groups) == 0 {
		return nil
	}
	email, _ := claims["email"].(string)
	verified, _ := claims["email_verified"].(bool)
	email = strings.ToLower(email)
	if email != "" && verified {
		for _, allowed := range emails {
			allowed = strings.ToLower(allowed)
			if email == allowed || (strings.HasPrefix(allowed, "@") && strings.HasSuffix(email, allowed)) {
				return nil
			}
		}
	}
	var have []string
	switch g := claims[s.cfg.OIDCGroupsClaim].(type) {
	case []any:
		for _, v := range g {
			if s, ok := v.(string); ok {
				have = append(have, s)
			}
		}
	case string:
		have = []string{g}
	}
	for _, h := range have {
		for _, allowed := range groups {
			if h == allowed {
				return nil
			}
		}
	}
	return errorf(codeSSONotAllowed, "your account with the sign-in provider is not allowed on this fitcast")
}

var notUsernameChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// oidcUsername is the fitcast username for a person: the claim named by
// -oidc-username-claim, else the part of the email before the @.
func oidcUsername(claims map[string]any, claim string) string {
	name, _ := claims[claim].(string)
	if name == "" {
		email, _ := claims["email"].(string)
		name, _, _ = strings.Cut(email, "@")
	}
	return notUsernameChars.ReplaceAllString(name, "_")
}

// readSecretFile reads a secret from a file (a Docker or systemd secret),
// without its trailing newline.
func readSecretFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(data), "\r\n"), nil
}

// checkSSO reads and checks the single sign-on settings once the flags
// are parsed.
func checkSSO(cfg *config) error {
	var err error
	if cfg.TrustedProxies, err = parsePrefixes(cfg.trustedProxies); err != nil {
		return fmt.Errorf("-trusted-proxies: %v", err)
	}
	if cfg.AuthHeader != "" && !cfg.BehindProxy {
		return errors.New("-auth-header needs -behind-proxy: the header is believed only from the reverse proxy that sets it")
	}
	if cfg.oidcSecretFile != "" {
		if cfg.OIDCClientSecret, err = readSecretFile(cfg.oidcSecretFile); err != nil {
			return fmt.Errorf("-oidc-client-secret-file: %v", err)
		}
	}
	if cfg.OIDCIssuer != "" {
		if u, err := url.Parse(cfg.OIDCIssuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("-oidc-issuer %q: want the provider's http(s) URL", cfg.OIDCIssuer)
		}
		if cfg.OIDCClientID == "" {
			return errors.New("-oidc-issuer needs -oidc-client-id")
		}
	}
	split := func(v string) []string {
		var list []string
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				list = append(list, item)
			}
		}
		return list
	}
	cfg.OIDCAllowedEmails, cfg.OIDCAllowedGroups = split(cfg.oidcEmails), split(cfg.oidcGroups)
	if cfg.NoLocalPasswords && cfg.AuthHeader == "" && cfg.OIDCIssuer == "" {
		return errors.New("-local-passwords=false needs -auth-header or -oidc-issuer, or nobody could sign in")
	}
	return nil
}
