package api

import (
	"container/list"
	"net"
	"net/http"
	"sync"
)

// ConnLimit bounds the connections a server holds open. A plain cap (netutil.LimitListener)
// stops accepting at the bound, so a client that opens the bound's worth of idle
// connections locks every other client out. ConnLimit accepts instead, and when the bound is
// reached closes the oldest connection that is not working on a request (new ones that sent
// nothing yet, and idle keep-alive ones) to make room; when every connection is busy, the new
// one is closed at once. An attacker's idle connections are thus the first to go, and a
// client that sends its request at once is served.
//
// Use Listener to wrap the server's listener (after TLS, so that the connections it sees are
// those http.Server reports) and ConnState as the server's ConnState hook.
type ConnLimit struct {
	max   int
	mu    sync.Mutex
	conns map[net.Conn]*list.Element // every open connection, by age in order
	order *list.List                 // of *trackedConn, oldest first
	// Evicted counts connections closed to make room; Refused those closed because every
	// connection was busy.
	Evicted, Refused int64
}

type trackedConn struct {
	c    net.Conn
	busy bool // working on a request (StateActive)
}

// NewConnLimit bounds connections to n (at least 1).
func NewConnLimit(n int) *ConnLimit {
	return &ConnLimit{max: max(1, n), conns: map[net.Conn]*list.Element{}, order: list.New()}
}

// Open is the number of connections held.
func (l *ConnLimit) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// Listener wraps ln so that every accepted connection is counted against the bound.
func (l *ConnLimit) Listener(ln net.Listener) net.Listener {
	return &limitedListener{Listener: ln, l: l}
}

type limitedListener struct {
	net.Listener
	l *ConnLimit
}

func (ll *limitedListener) Accept() (net.Conn, error) {
	for {
		c, err := ll.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if ll.l.admit(c) {
			return c, nil
		}
		c.Close()
	}
}

// admit counts c, closing the oldest idle connection when the bound is reached; false when
// there is no room.
func (l *ConnLimit) admit(c net.Conn) bool {
	var victim net.Conn
	l.mu.Lock()
	if len(l.conns) >= l.max {
		for e := l.order.Front(); e != nil; e = e.Next() {
			if t := e.Value.(*trackedConn); !t.busy {
				victim = t.c
				l.order.Remove(e)
				delete(l.conns, t.c)
				l.Evicted++
				break
			}
		}
		if victim == nil {
			l.Refused++
			l.mu.Unlock()
			return false
		}
	}
	l.conns[c] = l.order.PushBack(&trackedConn{c: c})
	l.mu.Unlock()
	if victim != nil {
		victim.Close()
	}
	return true
}

// ConnState follows each connection's state (set it as http.Server.ConnState).
func (l *ConnLimit) ConnState(c net.Conn, s http.ConnState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.conns[c]
	if !ok {
		return
	}
	switch s {
	case http.StateActive:
		e.Value.(*trackedConn).busy = true
	case http.StateIdle:
		e.Value.(*trackedConn).busy = false
		l.order.MoveToBack(e) // idle since now: the last to go among the idle
	case http.StateClosed, http.StateHijacked: // a hijacked connection is its handler's
		l.order.Remove(e)
		delete(l.conns, c)
	}
}
