package api

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/gin-gonic/gin"
)

// Behind a load balancer every request comes from the balancer's address, so the limits kept
// per client address (failed logins; bodies and slots of requests without a key) would count
// all clients as one: 30 invalid keys from anyone would lock every client out. With trusted
// proxies configured (SKINGRAPH_TRUSTED_PROXIES), a request whose peer is one of them is
// taken to come from the address its X-Forwarded-For names: the nearest hop, walking from
// the right, that is not itself a trusted proxy. A client cannot forge it past the proxy:
// HAProxy (option forwardfor) appends the address it saw, and hops left of the first
// untrusted one are never read. Without trusted proxies the header is ignored.

// realClient rewrites r.RemoteAddr to the forwarded client's address for requests that come
// through a trusted proxy; the rest of the chain then sees the client (clientAddr).
func realClient(trusted []netip.Prefix) gin.HandlerFunc {
	if len(trusted) == 0 {
		return func(c *gin.Context) { c.Next() }
	}
	return func(c *gin.Context) {
		if addr, ok := forwardedClient(c.Request, trusted); ok {
			c.Request.RemoteAddr = net.JoinHostPort(addr.String(), "0")
		}
		c.Next()
	}
}

// forwardedClient returns the client a trusted proxy forwarded r for, if any.
func forwardedClient(r *http.Request, trusted []netip.Prefix) (netip.Addr, bool) {
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a.Unmap()) {
				return true
			}
		}
		return false
	}
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil || !isTrusted(peer.Addr()) {
		return netip.Addr{}, false
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return netip.Addr{}, false // a malformed hop: keep the proxy's own address
		}
		if !isTrusted(a) {
			return a.Unmap(), true
		}
	}
	return netip.Addr{}, false
}

// ParseTrustedProxies reads a comma-separated list of addresses and CIDR prefixes
// ("10.0.0.0/8, 192.168.1.7"); an error names the entry that is neither.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, &ProxyListError{Entry: f}
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// ProxyListError names an entry of a trusted-proxy list that is no address or prefix.
type ProxyListError struct{ Entry string }

func (e *ProxyListError) Error() string {
	return "trusted proxy " + `"` + e.Entry + `"` + ": want an IP address or a CIDR prefix such as 10.0.0.0/8"
}
