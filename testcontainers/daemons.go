package testcontainers

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Redis and HAProxy from Debian (`apt-get install redis-server haproxy`; `make services`
// installs them, and make test runs it) are started by the tests that need them as child processes in a temporary
// folder, on a free loopback port: never a system service.

// Daemon is a server started as a child process.
type Daemon struct {
	Addr string // host:port it listens on
	cmd  *exec.Cmd
	done chan error
	dir  string
	log  *os.File
	stop sync.Once
	err  error
}

// Stop ends the process and removes its folder; later calls do nothing.
func (d *Daemon) Stop() error {
	d.stop.Do(func() {
		if d.cmd.Process != nil {
			d.cmd.Process.Signal(os.Interrupt)
			select {
			case <-d.done:
			case <-time.After(10 * time.Second):
				d.cmd.Process.Kill()
				<-d.done
			}
		}
		d.log.Close()
		d.err = os.RemoveAll(d.dir)
	})
	return d.err
}

// Logs returns what the process printed so far.
func (d *Daemon) Logs() string {
	b, _ := os.ReadFile(d.log.Name())
	return string(b)
}

// freePort returns a loopback port nothing listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startDaemon runs name with args (made by args(dir, port)) in a new temporary folder and
// waits until ready(addr) holds.
func startDaemon(ctx context.Context, name, install string, args func(dir string, port int) ([]string, error), ready func(addr string) error) (*Daemon, error) {
	bin, err := exec.LookPath(name)
	if err != nil {
		for _, p := range []string{"/usr/sbin/" + name, "/usr/bin/" + name} {
			if _, serr := os.Stat(p); serr == nil {
				bin, err = p, nil
				break
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%s is not installed (%s, or make services): %w", name, install, err)
		}
	}
	dir, err := os.MkdirTemp("", "skingraph-"+name+"-")
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	argv, err := args(dir, port)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	cmd := exec.Command(bin, argv...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, logf, logf
	d := &Daemon{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cmd: cmd, done: make(chan error, 1), dir: dir, log: logf}
	if err := cmd.Start(); err != nil {
		logf.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() { d.done <- cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := ready(d.Addr)
		if err == nil {
			return d, nil
		}
		select {
		case werr := <-d.done:
			d.done <- werr
			logs := d.Logs()
			d.Stop()
			return nil, fmt.Errorf("%s exited (%v) before it was ready: %s", name, werr, logs)
		case <-ctx.Done():
			d.Stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			logs := d.Logs()
			d.Stop()
			return nil, fmt.Errorf("%s not ready after 30 s (%v): %s", name, err, logs)
		}
	}
}

// StartRedis starts redis-server on a free loopback port, in memory only (no snapshots, no
// append-only file). Its URL is "redis://" + Addr.
func StartRedis(ctx context.Context) (*Daemon, error) {
	return startDaemon(ctx, "redis-server", "apt-get install redis-server", func(dir string, port int) ([]string, error) {
		return []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--dir", dir, "--daemonize", "no", "--protected-mode", "yes"}, nil
	}, func(addr string) error {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(time.Second))
		if _, err := c.Write([]byte("PING\r\n")); err != nil {
			return err
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			return err
		}
		if !strings.HasPrefix(line, "+PONG") {
			return fmt.Errorf("PING answered %q", line)
		}
		return nil
	})
}

// HAProxyConfig writes an HAProxy configuration: one HTTP frontend on bind, round-robin over
// the servers (host:port), each checked with GET /readyz every check interval.
func HAProxyConfig(bind string, servers []string, check time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, `global
    maxconn 1000

defaults
    mode http
    timeout connect 2s
    timeout client 2m
    timeout server 2m
    timeout tunnel 10m
    option http-server-close
    retries 2
    option redispatch
    option forwardfor

frontend api
    bind %s
    default_backend replicas

backend replicas
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter %dms fall 2 rise 1
`, bind, check.Milliseconds())
	for i, s := range servers {
		fmt.Fprintf(&b, "    server replica%d %s check\n", i+1, s)
	}
	return b.String()
}

// StartHAProxy starts haproxy in the foreground on a free loopback port with the
// configuration config(bind) returns, and waits until it accepts connections.
func StartHAProxy(ctx context.Context, config func(bind string) string) (*Daemon, error) {
	return startDaemon(ctx, "haproxy", "apt-get install haproxy", func(dir string, port int) ([]string, error) {
		file := filepath.Join(dir, "haproxy.cfg")
		if err := os.WriteFile(file, []byte(config("127.0.0.1:"+strconv.Itoa(port))), 0o600); err != nil {
			return nil, err
		}
		return []string{"-db", "-f", file}, nil
	}, func(addr string) error {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return err
		}
		return errors.Join(c.Close())
	})
}
