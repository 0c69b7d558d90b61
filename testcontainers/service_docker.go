package testcontainers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"

	tc "github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"
)

// modulePath is the skingraph module, whose Dockerfile builds the project's image.
const modulePath = "github.com/skingraph/skingraph"

// startServiceDocker runs the project's image (built from the module's Dockerfile) and the
// official Neo4j image on a network of their own: one-shot containers of the image create
// the keys and run the loads, then a container serves on a mapped port.
func startServiceDocker(ctx context.Context, opts ServiceOptions) (svc *Service, err error) {
	var cleanups []func(context.Context) error
	cleanup := func(ctx context.Context) error {
		var errs []error
		for i := len(cleanups) - 1; i >= 0; i-- {
			errs = append(errs, cleanups[i](ctx))
		}
		return errors.Join(errs...)
	}
	defer func() {
		if err != nil {
			_ = cleanup(context.WithoutCancel(ctx))
			err = fmt.Errorf("testcontainers: start service (docker): %w", err)
		}
	}()

	image, err := buildProjectImage(ctx, opts.Log)
	if err != nil {
		return nil, err
	}
	nw, err := network.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	cleanups = append(cleanups, func(ctx context.Context) error { return nw.Remove(ctx) })

	dbOpts := Options{Password: randomPassword(), Log: opts.Log}
	greq := dockerNeo4jRequest(dbOpts)
	if err := network.WithNetwork([]string{"neo4j"}, nw).Customize(&greq); err != nil {
		return nil, err
	}
	db, err := startDockerRequest(ctx, dbOpts, greq)
	if err != nil {
		return nil, err
	}
	cleanups = append(cleanups, db.Stop)

	env := map[string]string{}
	for k, v := range opts.Env {
		env[k] = v
	}
	env["SKINGRAPH_NEO4J_URI"] = "bolt://neo4j:7687"
	env["SKINGRAPH_NEO4J_USER"] = db.Username
	env["SKINGRAPH_NEO4J_PASSWORD"] = db.Password
	env["SKINGRAPH_PSEUDONYM_KEY"] = randomPassword() + randomPassword()
	oneShot := func(files []tc.ContainerFile, args ...string) ([]byte, error) {
		req := tc.GenericContainerRequest{ContainerRequest: tc.ContainerRequest{
			Image: image, Cmd: args, Env: env, Files: files,
			WaitingFor: wait.ForExit().WithExitTimeout(opts.Ready),
		}, Started: true}
		if err := network.WithNetwork(nil, nw).Customize(&req); err != nil {
			return nil, err
		}
		ctr, err := tc.GenericContainer(ctx, req)
		if ctr != nil {
			defer func() { _ = tc.TerminateContainer(ctr) }()
		}
		if err != nil {
			return nil, fmt.Errorf("skingraph %s: %w", strings.Join(args, " "), err)
		}
		logs, err := ctr.Logs(ctx)
		if err != nil {
			return nil, err
		}
		out, _ := io.ReadAll(logs)
		logs.Close()
		state, err := ctr.State(ctx)
		if err != nil {
			return nil, err
		}
		if state.ExitCode != 0 {
			return nil, fmt.Errorf("skingraph %s: exit %d\n%s", strings.Join(args, " "), state.ExitCode, out)
		}
		return out, nil
	}

	tokens, lines := map[string]string{}, []string(nil)
	for _, k := range opts.Keys {
		out, err := oneShot(nil, k.keysArgs()...)
		if err != nil {
			return nil, err
		}
		key, line, err := parseNewKey(out)
		if err != nil {
			return nil, err
		}
		tokens[k.Name], lines = key, append(lines, line)
	}
	var files []tc.ContainerFile
	if opts.Dir != "" {
		files = append(files, tc.ContainerFile{HostFilePath: opts.Dir, ContainerFilePath: "/tmp", FileMode: 0o755})
	}
	for _, f := range opts.Efficacy {
		files = append(files, tc.ContainerFile{HostFilePath: f, ContainerFilePath: "/tmp/" + filepath.Base(f), FileMode: 0o644})
	}
	inContainer := func(p string) string { return "/tmp/" + filepath.Base(p) }
	for _, load := range loadCommands(opts, inContainer) {
		if _, err := oneShot(files, load...); err != nil {
			return nil, err
		}
	}

	serveEnv := map[string]string{"SKINGRAPH_HTTP_ADDR": "0.0.0.0:8080"}
	for k, v := range env {
		serveEnv[k] = v
	}
	var serveFiles []tc.ContainerFile
	if len(lines) > 0 {
		serveFiles = append(serveFiles, tc.ContainerFile{Reader: strings.NewReader(strings.Join(lines, "\n") + "\n"),
			ContainerFilePath: "/tmp/keys.txt", FileMode: 0o644})
		serveEnv["SKINGRAPH_API_KEYS_FILE"] = "/tmp/keys.txt"
	}
	req := tc.GenericContainerRequest{ContainerRequest: tc.ContainerRequest{
		Image: image, Cmd: []string{"serve"}, Env: serveEnv, Files: serveFiles,
		ExposedPorts: []string{"8080/tcp"},
		WaitingFor:   wait.ForHTTP("/readyz").WithPort("8080/tcp").WithStartupTimeout(opts.Ready),
	}, Started: true}
	if err := network.WithNetwork([]string{"skingraph"}, nw).Customize(&req); err != nil {
		return nil, err
	}
	ctr, err := tc.GenericContainer(ctx, req)
	if ctr != nil {
		cleanups = append(cleanups, func(context.Context) error { return tc.TerminateContainer(ctr) })
	}
	if err != nil {
		return nil, fmt.Errorf("skingraph serve: %w", err)
	}
	host, err := ctr.Host(ctx)
	if err != nil {
		return nil, err
	}
	port, err := ctr.MappedPort(ctx, "8080/tcp")
	if err != nil {
		return nil, err
	}
	url := fmt.Sprintf("http://%s:%s", host, port.Port())
	return &Service{URL: url, Client: serviceClient(url, opts.Keys, tokens), Keys: tokens, Neo4j: db, stop: cleanup}, nil
}

// buildProjectImage builds the project's image from the Dockerfile at the module's root (the
// checkout, or the module cache for a project that requires skingraph) and returns its tag.
// The image is kept, so later runs reuse Docker's layer cache.
func buildProjectImage(ctx context.Context, log io.Writer) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", modulePath).Output()
	if err != nil {
		return "", fmt.Errorf("find the skingraph module (go list -m %s): %w", modulePath, err)
	}
	dir := strings.TrimSpace(string(out))
	p, err := tc.NewDockerProvider()
	if err != nil {
		return "", err
	}
	defer p.Close()
	tag, err := p.BuildImage(ctx, &tc.ContainerRequest{FromDockerfile: tc.FromDockerfile{
		Context: dir, Repo: "skingraph", Tag: "testcontainers", KeepImage: true, BuildLogWriter: log,
	}})
	if err != nil {
		return "", fmt.Errorf("build the skingraph image from %s: %w", dir, err)
	}
	return tag, nil
}
