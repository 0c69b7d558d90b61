package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rs/zerolog"
)

func TestForwardedClient(t *testing.T) {
	trusted, err := ParseTrustedProxies("10.0.0.0/8, 192.168.1.7 ,::1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, peer string
		xff        []string
		want       string // "" = the peer stays the client
	}{
		{"no proxy, header ignored", "198.51.100.1:4000", []string{"203.0.113.5"}, ""},
		{"trusted proxy", "10.1.2.3:4000", []string{"203.0.113.5"}, "203.0.113.5"},
		{"a single trusted address", "192.168.1.7:4000", []string{"203.0.113.5"}, "203.0.113.5"},
		{"IPv6 proxy", "[::1]:4000", []string{"2001:db8::7"}, "2001:db8::7"},
		{"forged hops left of the client are not read", "10.1.2.3:4000", []string{"1.2.3.4, 203.0.113.5"}, "203.0.113.5"},
		{"chained trusted proxies", "10.1.2.3:4000", []string{"203.0.113.5, 10.9.9.9"}, "203.0.113.5"},
		{"several header lines", "10.1.2.3:4000", []string{"1.2.3.4", "203.0.113.5"}, "203.0.113.5"},
		{"no header", "10.1.2.3:4000", nil, ""},
		{"only trusted hops", "10.1.2.3:4000", []string{"10.0.0.9"}, ""},
		{"malformed hop", "10.1.2.3:4000", []string{"not-an-ip"}, ""},
		{"mapped IPv4", "10.1.2.3:4000", []string{"::ffff:203.0.113.5"}, "203.0.113.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.peer
			for _, h := range tt.xff {
				r.Header.Add("X-Forwarded-For", h)
			}
			got, ok := forwardedClient(r, trusted)
			if (tt.want == "") == ok || (ok && got.String() != tt.want) {
				t.Errorf("forwardedClient = %v, %v; want %q", got, ok, tt.want)
			}
		})
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.internal", "10.0.0.1:80"} {
		if _, err := ParseTrustedProxies(bad); err == nil {
			t.Errorf("ParseTrustedProxies(%q) accepted it", bad)
		}
	}
}

// TestFailedLoginsBehindATrustedProxyCountPerClient: behind a load balancer, one client's bad
// keys lock out that client only, not everyone the balancer forwards.
func TestFailedLoginsBehindATrustedProxyCountPerClient(t *testing.T) {
	k := newSecKeys(t)
	trusted, _ := ParseTrustedProxies("10.0.0.0/8")
	h := New(Deps{Catalogue: fakeCatalogue{}, Health: fakeHealth{}, Log: zerolog.Nop(), Keys: k.ring, TrustedProxies: trusted})
	call := func(client, key string) int {
		req := httptest.NewRequest(http.MethodGet, "/v1/products/p1", nil)
		req.RemoteAddr = "10.0.0.2:5000" // the load balancer
		req.Header.Set("X-Forwarded-For", client)
		req.Header.Set("X-API-Key", key)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	for i := range loginFailures + 5 {
		call("192.0.2.7", fmt.Sprintf("sg_abcd1234_%032d", i))
	}
	if got := call("192.0.2.7", k.a); got != http.StatusTooManyRequests {
		t.Fatalf("good key from the guessing client: %d, want 429", got)
	}
	if got := call("198.51.100.9", k.b); got != http.StatusOK {
		t.Fatalf("good key from another client behind the same balancer: %d, want 200", got)
	}
}
