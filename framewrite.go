package main

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coder/websocket"
)

// wsCloseFrame is a server's close frame (unmasked) with code and a
// reason of at most 123 bytes.
func wsCloseFrame(code websocket.StatusCode, reason string) []byte {
	payload := append([]byte{byte(code >> 8), byte(code)}, reason[:min(len(reason), 123)]...)
	return append([]byte{0x88, byte(len(payload))}, payload...)
}

// frameConn is the network connection under a server socket. The hub
// writes its already-framed messages here directly: without blocking,
// from the fan-out (tryWrite, tryWriteFrames), or in bounded chunks, one
// writev each, from the socket's writer goroutine (writeFrames). The
// WebSocket library writes only control frames (pings, pongs, close), each
// as one Write.
//
// mu is held by whoever writes to the socket, so frames never interleave;
// partial marks a frame written only in part, whose rest the writer must
// send before anyone else writes. Pings and pongs never wait behind data:
// while another write holds mu they wait in ctl, and whoever holds mu sends
// them at the next frame boundary (after the chunk being written), ahead
// of everything still queued. A close frame keeps its place after the data
// already on its way, so that an error frame sent before it is read first.
type frameConn struct {
	net.Conn
	raw    syscall.RawConn
	prefix []byte // bytes the HTTP server had read past the handshake

	mu      sync.Mutex
	partial bool
	broken  bool       // a partial frame was abandoned; the stream is unusable
	done    *sync.Cond // made on first use: signals that partial has cleared

	ctlMu sync.Mutex
	ctl   [][]byte // pings and pongs waiting for mu

	// writeSince is when the blocking write in progress began (unix ns), or
	// 0: the hub's once-a-second tick closes a socket stuck in one write
	// for longer than WriteTimeout, which costs no deadline per write.
	writeSince atomic.Int64
	written    atomic.Int64 // bytes of data written, to tell a slow peer from a dead one
}

// sendBufferBytes is the kernel send buffer asked for each socket (Linux
// doubles it): about 200 game updates.
const sendBufferBytes = 64 << 10

// writeChunk bounds one blocking writev, and so how long a ping or pong
// can wait behind data.
const writeChunk = 64 << 10

func (c *frameConn) Read(p []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// isPingPong reports whether a frame the library writes is a ping or pong.
func isPingPong(p []byte) bool {
	return len(p) > 0 && (p[0]&0x0f == 0x9 || p[0]&0x0f == 0xa)
}

// Write is the library's path: one complete control frame per call.
func (c *frameConn) Write(p []byte) (int, error) {
	if isPingPong(p) {
		c.ctlMu.Lock()
		c.ctl = append(c.ctl, bytes.Clone(p))
		c.ctlMu.Unlock()
		if c.mu.TryLock() {
			c.unlock()
		} // else the holder sends it when it lets go
		return len(p), nil
	}
	c.mu.Lock()
	defer c.unlock()
	for c.partial {
		c.waitPartialLocked()
	}
	if c.broken {
		return 0, net.ErrClosed
	}
	return c.Conn.Write(p)
}

// unlock lets go of mu, first sending the pings and pongs that queued
// while it was held (also those that queue while letting go).
func (c *frameConn) unlock() {
	for {
		if !c.partial && !c.broken {
			c.ctlMu.Lock()
			q := c.ctl
			c.ctl = nil
			c.ctlMu.Unlock()
			for _, f := range q {
				if _, err := c.Conn.Write(f); err != nil {
					break
				}
			}
		}
		c.mu.Unlock()
		c.ctlMu.Lock()
		waiting := len(c.ctl) > 0
		c.ctlMu.Unlock()
		if !waiting || !c.mu.TryLock() {
			return
		}
	}
}

// unlockNoBlock lets go of mu from the fan-out, which must not block:
// pings and pongs queued meanwhile are sent from a goroutine of their own.
func (c *frameConn) unlockNoBlock() {
	c.mu.Unlock()
	c.ctlMu.Lock()
	waiting := len(c.ctl) > 0
	c.ctlMu.Unlock()
	if waiting {
		go func() {
			if c.mu.TryLock() {
				c.unlock()
			}
		}()
	}
}

// abandonPartial gives up on the rest of a partly written frame, when the
// socket is being closed without sending it. It reports whether there was
// one; the library's writes then fail instead of waiting for it.
func (c *frameConn) abandonPartial() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.partial {
		return false
	}
	c.partial, c.broken = false, true
	if c.done != nil {
		c.done.Broadcast()
	}
	return true
}

func (c *frameConn) waitPartialLocked() {
	if c.done == nil {
		c.done = sync.NewCond(&c.mu)
	}
	c.done.Wait()
}

// tryWrite writes frame if the socket takes it at once, and never blocks.
// It reports how much it wrote and whether that was all; after a partial
// write the caller must queue the rest for writeFrames.
func (c *frameConn) tryWrite(frame []byte) (int, bool) {
	if c.raw == nil || !c.mu.TryLock() {
		return 0, false
	}
	defer c.unlockNoBlock()
	if c.partial || c.broken {
		return 0, false
	}
	var n int
	err := c.raw.Write(func(fd uintptr) bool {
		n, _ = syscall.Write(int(fd), frame)
		return true // never wait for the socket to drain
	})
	if err != nil || n <= 0 {
		return 0, false
	}
	c.written.Add(int64(n))
	if n < len(frame) {
		c.partial = true
		return n, false
	}
	return n, true
}

// tryWriteFrames writes as many of frames as the socket takes at once, in
// one system call, copied into scratch; it never blocks. It returns how
// many bytes went out and scratch for reuse. When that ends inside a
// frame, partial is set, and the caller queues the rest for writeFrames.
func (c *frameConn) tryWriteFrames(frames [][]byte, scratch []byte) (int, []byte) {
	if c.raw == nil || !c.mu.TryLock() {
		return 0, scratch
	}
	defer c.unlockNoBlock()
	if c.partial || c.broken {
		return 0, scratch
	}
	buf := scratch[:0]
	for _, f := range frames {
		buf = append(buf, f...)
	}
	var n int
	err := c.raw.Write(func(fd uintptr) bool {
		n, _ = syscall.Write(int(fd), buf)
		return true
	})
	if err != nil || n <= 0 {
		return 0, buf
	}
	c.written.Add(int64(n))
	if n < len(buf) {
		// Did it stop at a frame boundary?
		end := 0
		for _, f := range frames {
			if end += len(f); end >= n {
				break
			}
		}
		c.partial = end != n
	}
	return n, buf
}

// writeFrames writes complete frames (after the rest of a partial one, if
// any) in chunks of at most writeChunk bytes, one writev each, sending any
// waiting pings and pongs between chunks.
func (c *frameConn) writeFrames(frames [][]byte) error {
	for len(frames) > 0 {
		n, size := 0, 0
		for n < len(frames) && n < 1024 && (n == 0 || size+len(frames[n]) <= writeChunk) {
			size += len(frames[n])
			n++
		}
		c.mu.Lock()
		c.writeSince.Store(time.Now().UnixNano())
		bufs := net.Buffers(frames[:n])
		w, err := bufs.WriteTo(c.Conn)
		c.written.Add(w)
		c.writeSince.Store(0)
		if c.partial {
			c.partial = false
			if c.done != nil { // someone is waiting
				c.done.Broadcast()
			}
		}
		c.unlock()
		if err != nil {
			return err
		}
		frames = frames[n:]
	}
	return nil
}

// stuckSince is when the write in progress began, or zero.
func (c *frameConn) stuckSince() time.Time {
	if ns := c.writeSince.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

// framingWriter hands the WebSocket library a frameConn, with small
// buffers, when it hijacks the connection. The HTTP server's own 4 KiB
// read and write buffers would otherwise stay with every idle socket.
type framingWriter struct {
	http.ResponseWriter
	conn *frameConn
}

func (w *framingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *framingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	fc := &frameConn{Conn: conn}
	// A small kernel send buffer keeps a behind client's backlog in the
	// socket's own queue, where a game's newer state can replace an older
	// one, rather than in megabytes of kernel buffer (loopback and fast
	// links grow it that far), where it can only wait.
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetWriteBuffer(sendBufferBytes)
	}
	if sc, ok := conn.(syscall.Conn); ok {
		fc.raw, _ = sc.SyscallConn()
	}
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		fc.prefix = bytes.Clone(b)
	}
	w.conn = fc
	// Client frames are small; a larger one is read straight past the
	// buffer. The library only writes control frames (at most 139 bytes),
	// and the write buffer must hold a whole one so that it reaches
	// frameConn in a single Write.
	return fc, bufio.NewReadWriter(bufio.NewReaderSize(fc, 256), bufio.NewWriterSize(fc, 256)), nil
}
