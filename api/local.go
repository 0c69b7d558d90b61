package api

import (
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
)

// localOnly guards a keyless server (no keys file: `make run`). It listens on loopback only,
// but a browser on the same machine could still be led to it by a page of another site:
//
//   - DNS rebinding: a foreign name that resolves to 127.0.0.1. Requests whose Host is not
//     a loopback name (localhost, 127.0.0.1, [::1], any port) are refused with 421.
//   - Cross-site writes (a form or fetch from another site). Writes (POST, PUT, PATCH,
//     DELETE) are refused with 403 when Origin names another host (or is "null") or
//     Sec-Fetch-Site says cross-site, and with 415 when their body is not declared JSON or
//     CSV (a browser sends those only after a CORS preflight, which this server never grants).
func localOnly() gin.HandlerFunc {
	return func(c *gin.Context) {
		r := c.Request
		if r.Host != "" && !loopbackHost(r.Host) {
			writeProblem(c, zlogNop, &Problem{Status: http.StatusMisdirectedRequest, Title: "Misdirected request",
				Detail: "this server has no API keys and answers only to localhost, 127.0.0.1 or [::1]"})
			return
		}
		if !unsafeMethod(r.Method) {
			c.Next()
			return
		}
		if o := r.Header.Get("Origin"); o != "" && !loopbackOrigin(o) {
			writeProblem(c, zlogNop, &Problem{Status: http.StatusForbidden, Title: "Cross-site request refused",
				Detail: "this server has no API keys and accepts writes only from pages on this machine"})
			return
		}
		if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
			writeProblem(c, zlogNop, &Problem{Status: http.StatusForbidden, Title: "Cross-site request refused",
				Detail: "this server has no API keys and accepts writes only from pages on this machine"})
			return
		}
		if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
			mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if _, ok := uploadFormats[mt]; err != nil || !ok {
				writeProblem(c, zlogNop, &Problem{Status: http.StatusUnsupportedMediaType, Title: "Unsupported media type",
					Detail: "a write to a server without API keys must declare its body application/json, text/csv or application/x-ndjson"})
				return
			}
		}
		c.Next()
	}
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// loopbackHost reports whether a Host header (name or address, with or without a port)
// names this machine's loopback interface.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loopbackOrigin reports whether an Origin header is a page served from loopback.
func loopbackOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return loopbackHost(u.Host)
}
