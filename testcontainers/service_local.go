package testcontainers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// modulePackage is the skingraph program's import path, built when no binary is given.
const modulePackage = "github.com/skingraph/skingraph/cmd/skingraph"

// startServiceLocal runs the local Neo4j and the skingraph program as child processes: the
// loads and key creation as one-shot commands, then `skingraph serve` on a free loopback
// port. A child process rather than the service in this process: its wiring lives in
// package main, and a process of its own gives a test the same isolation the container does
// (own environment, logs, signals).
func startServiceLocal(ctx context.Context, opts ServiceOptions) (svc *Service, err error) {
	work, err := os.MkdirTemp("", "skingraph-service-")
	if err != nil {
		return nil, fmt.Errorf("testcontainers: start service: %w", err)
	}
	var cleanups []func(context.Context) error
	cleanup := func(ctx context.Context) error {
		var errs []error
		for i := len(cleanups) - 1; i >= 0; i-- {
			errs = append(errs, cleanups[i](ctx))
		}
		errs = append(errs, os.RemoveAll(work))
		return errors.Join(errs...)
	}
	defer func() {
		if err != nil {
			_ = cleanup(context.WithoutCancel(ctx))
			err = fmt.Errorf("testcontainers: start service (local): %w", err)
		}
	}()

	bin, err := programBinary(ctx, opts.Binary, work)
	if err != nil {
		return nil, err
	}
	// A test server: TestJVMFlags, TestSettings and class-data sharing (a quicker start and stop).
	db, err := Start(ctx, Options{Provider: ProviderLocal, Log: opts.Log, JVMFlags: TestJVMFlags, Settings: TestSettings, ClassDataSharing: true, Getenv: func(k string) string {
		if k == "SKINGRAPH_NEO4J_URI" {
			return "" // the service owns its graph: never an existing server
		}
		return os.Getenv(k)
	}})
	if err != nil {
		return nil, err
	}
	cleanups = append(cleanups, db.Stop)

	env := serviceEnv(opts.Env, map[string]string{
		"SKINGRAPH_NEO4J_URI":      db.URI,
		"SKINGRAPH_NEO4J_USER":     db.Username,
		"SKINGRAPH_NEO4J_PASSWORD": db.Password,
		"SKINGRAPH_PSEUDONYM_KEY":  randomPassword() + randomPassword(),
		"SKINGRAPH_KEY_DIR":        filepath.Join(work, "keys"),
	})
	tokens, lines := map[string]string{}, []string(nil)
	for _, k := range opts.Keys {
		out, err := runProgram(ctx, bin, env, opts.Log, k.keysArgs()...)
		if err != nil {
			return nil, err
		}
		key, line, err := parseNewKey(out)
		if err != nil {
			return nil, err
		}
		tokens[k.Name], lines = key, append(lines, line)
	}
	keysFile := filepath.Join(work, "keys.txt")
	if err := os.WriteFile(keysFile, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return nil, err
	}
	env = append(env, "SKINGRAPH_API_KEYS_FILE="+keysFile)
	for _, load := range loadCommands(opts, func(p string) string { return p }) {
		if _, err := runProgram(ctx, bin, env, opts.Log, load...); err != nil {
			return nil, err
		}
	}

	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "--http-addr", addr)
	cmd.Env = env
	logs := &tailBuffer{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = io.MultiWriter(opts.Log, logs), io.MultiWriter(opts.Log, logs)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s serve: %w", bin, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	cleanups = append(cleanups, func(ctx context.Context) error { return stopProcess(ctx, cmd, done) })

	url := "http://" + addr
	exited := func() error {
		select {
		case err := <-done:
			done <- err
			return fmt.Errorf("skingraph serve stopped before it was ready (%v); its last output:\n%s", err, logs)
		default:
			return nil
		}
	}
	if err := waitReady(ctx, url, opts.Ready, exited); err != nil {
		return nil, fmt.Errorf("%w; its last output:\n%s", err, logs)
	}
	return &Service{URL: url, Client: serviceClient(url, opts.Keys, tokens), Keys: tokens, Neo4j: db, stop: cleanup}, nil
}

// loadCommands are the program's load commands for the options, with host paths mapped by
// path (the docker provider maps them into the container).
func loadCommands(opts ServiceOptions, path func(string) string) [][]string {
	var loads [][]string
	if opts.Demo {
		loads = append(loads, []string{"load", "demo"})
	}
	if opts.Dir != "" {
		loads = append(loads, []string{"load", "dir", path(opts.Dir)})
	}
	for _, f := range opts.Efficacy {
		loads = append(loads, []string{"load", "efficacy", path(f)})
	}
	return loads
}

// programBinary returns the skingraph program to run: the given one, SKINGRAPH_BINARY, or
// one built into work from the module with the go command.
func programBinary(ctx context.Context, given, work string) (string, error) {
	if given == "" {
		given = os.Getenv("SKINGRAPH_BINARY")
	}
	if given != "" {
		if _, err := os.Stat(given); err != nil {
			return "", fmt.Errorf("skingraph binary: %w", err)
		}
		return given, nil
	}
	bin := filepath.Join(work, "skingraph")
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, modulePackage).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", modulePackage, err, out)
	}
	return bin, nil
}

// serviceEnv is this process's environment without SKINGRAPH_* settings (the host's must not
// leak into the service), plus the caller's settings and then the service's own.
func serviceEnv(caller, own map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SKINGRAPH_") {
			env = append(env, kv)
		}
	}
	for k, v := range caller {
		env = append(env, k+"="+v)
	}
	for k, v := range own {
		env = append(env, k+"="+v)
	}
	return env
}

// runProgram runs a one-shot command of the program and returns its standard output.
func runProgram(ctx context.Context, bin string, env []string, log io.Writer, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	var stderr tailBuffer
	stderr.max = 16 << 10
	cmd.Stderr = io.MultiWriter(log, &stderr)
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("skingraph %s: %w\n%s", strings.Join(args, " "), err, &stderr)
	}
	return out, nil
}

// freeLoopbackAddr returns a loopback address with a port free a moment ago.
func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// stopProcess asks the process to stop (SIGTERM: the service drains and closes), and kills
// it when ctx ends or 30 s pass first.
func stopProcess(ctx context.Context, cmd *exec.Cmd, done chan error) error {
	if cmd.Process == nil {
		return nil
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		done <- err
		return nil // stopped: after SIGTERM any exit is the expected end
	case <-ctx.Done():
	case <-time.After(30 * time.Second):
	}
	_ = cmd.Process.Kill()
	return fmt.Errorf("skingraph serve did not stop within its grace and was killed")
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
