package main

import (
	"fmt"
	"net/url"
	"strings"
)

// Map tiles. Route maps load their tiles from OpenStreetMap unless the
// self-hoster points them elsewhere (-tiles): their own tile server, an
// offline one on the LAN, or a commercial one with a key in the URL.
const (
	DefaultTiles            = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
	DefaultTilesAttribution = "© OpenStreetMap contributors"
)

// checkTiles validates a tile URL template: http(s) or a path on this
// server, with {z}, {x} and {y} in it, as Leaflet expects.
func checkTiles(tiles string) error {
	for _, p := range []string{"{z}", "{x}", "{y}"} {
		if !strings.Contains(tiles, p) {
			return fmt.Errorf("-tiles %q: the URL needs {z}, {x} and {y}, e.g. %s", tiles, DefaultTiles)
		}
	}
	if strings.HasPrefix(tiles, "/") && !strings.HasPrefix(tiles, "//") {
		return nil
	}
	u, err := url.Parse(strings.ReplaceAll(tiles, "{s}", "a"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("-tiles %q: want an http:// or https:// URL template or a path on this server", tiles)
	}
	return nil
}

// tilesAttribution is the credit shown on maps: the one given, the
// OpenStreetMap credit for the default tiles, or else the tile server's
// host, so a map never claims a source it does not use.
func tilesAttribution(cfg config) string {
	switch {
	case cfg.TilesAttribution != "":
		return cfg.TilesAttribution
	case cfg.Tiles == "" || cfg.Tiles == DefaultTiles:
		return DefaultTilesAttribution
	}
	if u, err := url.Parse(strings.ReplaceAll(cfg.Tiles, "{s}", "a")); err == nil && u.Host != "" {
		return "Map tiles: " + strings.TrimPrefix(u.Host, "a.")
	}
	return ""
}

// tilesSource is what the page's img-src must allow for the tiles: their
// origin, with "{s}" subdomains as a wildcard; nothing more for tiles
// served by this server.
func tilesSource(tiles string) string {
	if tiles == "" {
		tiles = DefaultTiles
	}
	if strings.HasPrefix(tiles, "/") && !strings.HasPrefix(tiles, "//") {
		return ""
	}
	u, err := url.Parse(strings.ReplaceAll(tiles, "{s}", "x-sub"))
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + strings.ReplaceAll(u.Host, "x-sub", "*")
}
