package main

import (
	"fmt"
	"net/netip"

	"github.com/skingraph/skingraph/api"
)

// trustedProxies reads SKINGRAPH_TRUSTED_PROXIES: the load balancers (addresses or CIDR
// prefixes, comma-separated) whose X-Forwarded-For names the client, so that limits kept per
// client address count clients, not the balancer (api/proxies.go).
func (c *Config) trustedProxies() ([]netip.Prefix, error) {
	p, err := api.ParseTrustedProxies(c.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("SKINGRAPH_TRUSTED_PROXIES: %w", err)
	}
	return p, nil
}
