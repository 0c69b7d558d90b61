package testcontainers

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/skingraph/skingraph/client"
)

// ServiceOptions configure StartService. The zero value is an empty service (no data, one
// admin key) on a Neo4j chosen by the environment.
type ServiceOptions struct {
	// Provider: "" reads SKINGRAPH_NEO4J_PROVIDER (auto: docker when an engine answers,
	// else local); ProviderExisting is refused (the service owns its graph).
	Provider Provider
	// Demo loads the bundled demo data (about 100 products, reviews, efficacy).
	Demo bool
	// Dir is a folder of the project's own formats to load (skingraph load dir: products,
	// and optionally reviews and ingredients; datasets/README.md).
	Dir string
	// Efficacy lists efficacy files to load after the products (skingraph load efficacy).
	Efficacy []string
	// Keys are API keys to create; the service answers only with a key. None given: one
	// admin key named "admin" (a keyless service would answer loopback clients only, which a
	// container's mapped port is not). Service.Client sends the first.
	Keys []KeySpec
	// Env adds SKINGRAPH_* settings of the service (README's settings table).
	Env map[string]string
	// Binary is a built skingraph program for the local provider; "" reads SKINGRAPH_BINARY,
	// else `go build` makes one from the module (the Go build cache keeps it quick).
	Binary string
	// Log receives the service's and Neo4j's output; default discarded.
	Log io.Writer
	// Ready bounds the wait for the service to answer /readyz; default 4 minutes.
	Ready time.Duration
}

// KeySpec is an API key StartService creates.
type KeySpec struct {
	Name   string // who holds it (one word)
	Role   string // app, merchandiser, analyst or admin
	Tenant string // "" = the key is its own tenant
}

// Service is a running skingraph with its own Neo4j.
type Service struct {
	URL    string            // base URL, e.g. http://127.0.0.1:39251
	Client *client.Client    // a client of URL with the first key (none when keyless)
	Keys   map[string]string // key name -> the key to send as X-API-Key
	Neo4j  *Neo4j            // the service's database (for checks a test makes itself)

	stop func(context.Context) error
}

// Stop stops the service and its Neo4j and removes their temporary files. It is safe to
// call more than once.
func (s *Service) Stop(ctx context.Context) error {
	if s == nil || s.stop == nil {
		return nil
	}
	stop := s.stop
	s.stop = nil
	return stop(ctx)
}

// StartService starts skingraph with a Neo4j of its own, loads the data the options name,
// and returns once the service answers /readyz, with a ready client:
//
//	svc, err := testcontainers.StartService(ctx, testcontainers.ServiceOptions{Demo: true})
//	defer svc.Stop(ctx)
//	page, err := svc.Client.Recommend(ctx, client.RecommendationRequest{...})
//
// With a Docker engine it runs the project's image (built from the module's Dockerfile)
// and the official Neo4j image on one network; without one, the local Neo4j (launcher)
// and the skingraph program as child processes.
func StartService(ctx context.Context, opts ServiceOptions) (*Service, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if len(opts.Keys) == 0 {
		opts.Keys = []KeySpec{{Name: "admin", Role: "admin"}}
	}
	if opts.Ready <= 0 {
		opts.Ready = 4 * time.Minute
	}
	provider := opts.Provider
	if provider == "" {
		provider = Provider(strings.ToLower(strings.TrimSpace(os.Getenv("SKINGRAPH_NEO4J_PROVIDER"))))
	}
	switch provider {
	case "", ProviderAuto:
		if dockerAvailable(ctx) {
			return startServiceDocker(ctx, opts)
		}
		return startServiceLocal(ctx, opts)
	case ProviderDocker:
		return startServiceDocker(ctx, opts)
	case ProviderLocal:
		return startServiceLocal(ctx, opts)
	default:
		return nil, fmt.Errorf("testcontainers: start service: provider %q: want auto, docker or local", provider)
	}
}

// check refuses options that cannot work before anything starts.
func (o ServiceOptions) check() error {
	var errs []error
	if o.Dir != "" {
		if fi, err := os.Stat(o.Dir); err != nil || !fi.IsDir() {
			errs = append(errs, fmt.Errorf("Dir %q: not a folder", o.Dir))
		}
	}
	for i, f := range o.Efficacy {
		if fi, err := os.Stat(f); err != nil || fi.IsDir() {
			errs = append(errs, fmt.Errorf("Efficacy[%d] %q: not a file", i, f))
		}
	}
	names := map[string]bool{}
	for i, k := range o.Keys {
		switch {
		case k.Name == "" || strings.ContainsAny(k.Name, " \t\n"):
			errs = append(errs, fmt.Errorf("Keys[%d].Name %q: want one word", i, k.Name))
		case names[k.Name]:
			errs = append(errs, fmt.Errorf("Keys[%d].Name %q: given twice", i, k.Name))
		}
		names[k.Name] = true
		switch k.Role {
		case "app", "merchandiser", "analyst", "admin":
		default:
			errs = append(errs, fmt.Errorf("Keys[%d].Role %q: want app, merchandiser, analyst or admin", i, k.Role))
		}
	}
	for k := range o.Env {
		if !strings.HasPrefix(k, "SKINGRAPH_") {
			errs = append(errs, fmt.Errorf("Env[%q]: only SKINGRAPH_* settings", k))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("testcontainers: start service: %w", errors.Join(errs...))
	}
	return nil
}

// keysArgs are the arguments of `skingraph keys new` for k.
func (k KeySpec) keysArgs() []string {
	args := []string{"keys", "new", "--role", k.Role, "--name", k.Name}
	if k.Tenant != "" {
		args = append(args, "--tenant", k.Tenant)
	}
	return args
}

// parseNewKey reads the key and the keys-file line from the output of `skingraph keys new`
// (four lines: a caption, the key, a caption, the line).
func parseNewKey(out []byte) (key, line string, err error) {
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		lines = append(lines, strings.TrimSpace(sc.Text()))
	}
	if len(lines) < 4 || lines[1] == "" || lines[3] == "" {
		return "", "", fmt.Errorf("unexpected output of skingraph keys new: %q", out)
	}
	return lines[1], lines[3], nil
}

// serviceClient makes the client of a started service, with the first key.
func serviceClient(url string, keys []KeySpec, tokens map[string]string) *client.Client {
	return client.New(url, client.WithAPIKey(tokens[keys[0].Name]))
}

// waitReady polls url/readyz until it answers 200, exited reports the service gone, or
// the time is up.
func waitReady(ctx context.Context, url string, within time.Duration, exited func() error) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	hc := &http.Client{Timeout: 2 * time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/readyz", nil)
		if err != nil {
			return err
		}
		if resp, err := hc.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if err := exited(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not ready within %s: %w", within, ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}
