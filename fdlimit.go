package main

import (
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"syscall"
)

// Descriptor reserves. A socket is refused while fewer descriptors than
// these remain, so that a flood of sockets never takes the last ones:
// the database (its file, WAL and shared memory, per pooled connection),
// imports and the listener always keep theirs, and signed-in users can
// still open sockets after anonymous ones are refused.
const (
	// fdReserveCore is kept for everything but sockets. Defaults to 128.
	fdReserveCore = 128
	// fdReserveUsersMin and fdReserveUsersMax bound the descriptors kept
	// for signed-in users' sockets: a tenth of the limit, within these.
	fdReserveUsersMin = 64
	fdReserveUsersMax = 2048
)

// raiseFileLimit raises the soft limit on open files (RLIMIT_NOFILE) to
// the hard limit, the most a process may hold without privileges, and
// reports both limits before and after. Go has done the same at start
// since 1.19; doing it here as well makes the limit a logged fact of every
// start and does not depend on that.
func raiseFileLimit() (soft, hard uint64, raised bool, err error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, 0, false, err
	}
	if lim.Cur < lim.Max {
		want := lim
		want.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
			return lim.Cur, lim.Max, false, err
		}
		return want.Cur, want.Max, true, nil
	}
	return lim.Cur, lim.Max, false, nil
}

// fdBudget estimates how many descriptors the process has left, without
// listing them on every connection: those open at start, plus the HTTP
// connections the server holds (counted through http.Server.ConnState),
// plus the WebSockets the hub holds.
type fdBudget struct {
	limit    atomic.Int64 // the soft RLIMIT_NOFILE
	base     atomic.Int64 // descriptors open when the server was made
	httpOpen atomic.Int64 // accepted HTTP connections not yet closed or hijacked
	sockets  func() int64 // open WebSockets
}

func newFDBudget(sockets func() int64) *fdBudget {
	b := &fdBudget{sockets: sockets}
	var lim syscall.Rlimit
	limit := int64(1024)
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil && lim.Cur > 0 && lim.Cur < 1<<40 {
		limit = int64(lim.Cur)
	}
	b.limit.Store(limit)
	b.base.Store(int64(countOpenFDs()))
	return b
}

// countOpenFDs counts this process's open descriptors where /proc tells,
// and guesses a few dozen elsewhere.
func countOpenFDs() int {
	if entries, err := os.ReadDir("/proc/self/fd"); err == nil {
		return len(entries)
	}
	return 32
}

// connState is the http.Server hook that keeps httpOpen. A hijacked
// connection becomes a WebSocket, which the hub counts from then on.
func (b *fdBudget) connState(_ net.Conn, st http.ConnState) {
	switch st {
	case http.StateNew:
		b.httpOpen.Add(1)
	case http.StateHijacked, http.StateClosed:
		b.httpOpen.Add(-1)
	}
}

// free is the estimate of descriptors left.
func (b *fdBudget) free() int64 {
	return b.limit.Load() - b.base.Load() - b.httpOpen.Load() - b.sockets()
}

// allowSocket reports whether a new WebSocket may open: an anonymous one
// only while the users' and the core reserves are both untouched, a
// signed-in one while the core reserve is.
func (b *fdBudget) allowSocket(signedIn bool) bool {
	need := int64(fdReserveCore)
	if !signedIn {
		need += min(max(b.limit.Load()/10, fdReserveUsersMin), fdReserveUsersMax)
	}
	return b.free() > need
}
