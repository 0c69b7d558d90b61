package launcher

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// readyPrefix starts the line the Java launcher prints once Bolt answers.
const readyPrefix = "SKINGRAPH_NEO4J_READY "

// DefaultTxMemory is the default per-transaction heap limit: with the default 1 GiB heap the
// transaction pool holds about 700 MiB (70%), so one query at the limit leaves more than half
// of it to the others. The project's own writes are chunked well below it (docs/SECURITY.md).
const DefaultTxMemory = "256m"

// Options configure a local Neo4j server.
type Options struct {
	DataDir   string // where Neo4j keeps its data; required
	Address   string // loopback address to listen on; default 127.0.0.1
	Port      int    // Bolt port; 0 picks a free one
	Password  string // password of the neo4j user, at least 8 characters; required
	HeapMB    int    // JVM heap in MiB; default 1024
	PageCache string // Neo4j page cache size; default "512m"
	// TxMemory bounds the heap one transaction may use (db.memory.transaction.max), such as
	// "256m"; default DefaultTxMemory. A query past it fails alone (Neo4j's
	// Neo.TransientError.General.TransactionMemoryLimit) instead of exhausting the pool that
	// every transaction shares.
	TxMemory     string
	CacheDir     string        // where the compiled launcher is kept; default <user cache>/skingraph
	StartTimeout time.Duration // how long to wait for Bolt; default 3 minutes (includes a first Maven download)
	Log          io.Writer     // receives the JVM's own output; default discarded
	JVMFlags     []string      // extra JVM flags, after the defaults
	// Settings are extra Neo4j settings (name to value), e.g. the test servers' quicker
	// shutdown; a setting the launcher sets itself (address, authentication, file access,
	// memory) cannot be changed and makes the start fail.
	Settings map[string]string
	// ClassDataSharing starts the JVM from an archive of the classes Neo4j loads (cds.go):
	// about 3.5 s less CPU per start. The first server started without one writes it when it
	// stops. Test servers and `skingraph up` use it. JVMFlags that turn sharing off or name
	// an archive of their own (-Xshare:off, -XX:SharedArchiveFile, -XX:ArchiveClassesAtExit)
	// turn it off.
	ClassDataSharing bool
}

func (o *Options) defaults() error {
	if o.DataDir == "" {
		return errors.New("launcher: DataDir is required")
	}
	if len(o.Password) < 8 {
		return errors.New("launcher: Password must have at least 8 characters")
	}
	if o.Address == "" {
		o.Address = "127.0.0.1"
	}
	if ip := net.ParseIP(o.Address); o.Address != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("launcher: address %q is not a loopback address", o.Address)
	}
	if o.HeapMB <= 0 {
		o.HeapMB = 1024
	}
	if o.PageCache == "" {
		o.PageCache = "512m"
	}
	if o.TxMemory == "" {
		o.TxMemory = DefaultTxMemory
	}
	if o.CacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		o.CacheDir = filepath.Join(base, "skingraph")
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 3 * time.Minute
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return nil
}

// Server is a running local Neo4j process.
type Server struct {
	URI string // bolt://127.0.0.1:PORT

	cmd   *exec.Cmd
	stdin io.Closer
	done  chan struct{} // closed when the process has exited
	err   error         // the process's exit error, valid after done

	stopOnce sync.Once
	stopErr  error
}

// Start builds the launcher if needed, starts Neo4j and waits until Bolt answers. It returns a
// clear error when java or mvn is missing, when Maven cannot download Neo4j, or when Neo4j does
// not come up within the start timeout (with the end of its output).
func Start(ctx context.Context, opts Options) (*Server, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	b, err := prepare(ctx, opts.CacheDir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("create neo4j data folder: %w", err)
	}
	fixedPort := opts.Port != 0
	for attempt := 1; ; attempt++ {
		port := opts.Port
		if !fixedPort {
			if port, err = freePort(opts.Address); err != nil {
				return nil, err
			}
		}
		s, err := start(ctx, b, opts, port)
		if err == nil {
			return s, nil
		}
		// Another process may have taken the free port between our probe and Neo4j's bind.
		if fixedPort || attempt == 3 || !errors.Is(err, errPortTaken) {
			return nil, err
		}
	}
}

var errPortTaken = errors.New("port already in use")

func start(ctx context.Context, b build, opts Options, port int) (*Server, error) {
	args := []string{
		"-Xms" + strconv.Itoa(min(opts.HeapMB, 256)) + "m",
		"-Xmx" + strconv.Itoa(opts.HeapMB) + "m",
		// The throughput collector: Neo4j's write path allocates heavily and young collections
		// were a large share of a bulk load's time with G1 on 2 cores; with ParallelGC the
		// 1M-review `load dir` went from 3 min 3 s to 2 min 33 s (docs/PERFORMANCE.md). Reads
		// on the API's hot path come from the in-memory projection, not from Neo4j, so its
		// longer pauses do not reach the users.
		"-XX:+UseParallelGC",
		"-Dfile.encoding=UTF-8",
	}
	classpath, writes := b.classpath, ""
	if opts.ClassDataSharing && !choosesSharing(opts.JVMFlags) {
		var flags []string
		var err error
		if classpath, flags, writes, err = sharingFlags(b); err != nil {
			return nil, err
		}
		args = append(args, flags...)
	}
	args = append(args, opts.JVMFlags...)
	args = append(args,
		"-cp", classpath, mainClass,
		"--data", opts.DataDir,
		"--address", opts.Address,
		"--port", strconv.Itoa(port),
		"--pagecache", opts.PageCache,
		"--tx-memory", opts.TxMemory,
		"--exit-on-stdin-eof",
	)
	for _, k := range slices.Sorted(maps.Keys(opts.Settings)) {
		args = append(args, "--setting", k+"="+opts.Settings[k])
	}
	cmd := exec.Command("java", args...)
	cmd.Env = append(os.Environ(), "SKINGRAPH_NEO4J_PASSWORD="+opts.Password)
	// Own process group: a Ctrl-C in the terminal reaches only the Go process, which then stops
	// Neo4j in order (after draining HTTP). Pdeathsig and the stdin pipe end Neo4j if the Go
	// process dies without stopping it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("neo4j stdin: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("neo4j stdout: %w", err)
	}
	stderr := &tailWriter{max: 8 << 10, w: opts.Log}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start java: %w", err)
	}
	s := &Server{cmd: cmd, stdin: stdin, done: make(chan struct{})}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if uri, ok := strings.CutPrefix(line, readyPrefix); ok {
				select {
				case ready <- strings.TrimSpace(uri):
				default:
				}
				continue
			}
			fmt.Fprintln(opts.Log, line)
		}
	}()
	go func() {
		s.err = cmd.Wait()
		if writes != "" {
			keepArchive(writes)
		}
		close(s.done)
	}()

	select {
	case uri := <-ready:
		s.URI = uri
		if err := dialBolt(ctx, opts.Address, port); err != nil {
			_ = s.Stop(context.Background())
			return nil, err
		}
		return s, nil
	case <-s.done:
		out := stderr.String()
		if strings.Contains(out, "Address already in use") || strings.Contains(out, "BindException") {
			return nil, fmt.Errorf("neo4j on port %d: %w", port, errPortTaken)
		}
		return nil, fmt.Errorf("neo4j exited before Bolt answered (%v); its output ends with:\n%s", s.err, tail(out, 3000))
	case <-ctx.Done():
		_ = s.Stop(context.Background())
		return nil, fmt.Errorf("neo4j did not answer on bolt://%s:%d within %s (%w); its output ends with:\n%s",
			opts.Address, port, opts.StartTimeout, ctx.Err(), tail(stderr.String(), 3000))
	}
}

// Stop shuts Neo4j down cleanly (SIGTERM, then waits); if it has not exited when ctx ends (or
// after 60 s without a deadline), it is killed. Stop is safe to call more than once.
func (s *Server) Stop(ctx context.Context) error {
	s.stopOnce.Do(func() {
		if _, ok := ctx.Deadline(); !ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
		}
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-ctx.Done():
			_ = s.cmd.Process.Kill()
			<-s.done
			s.stopErr = fmt.Errorf("neo4j did not stop in time and was killed: %w", ctx.Err())
		}
		_ = s.stdin.Close()
	})
	return s.stopErr
}

// Kill ends Neo4j at once with SIGKILL, as a crash or an operator's kill -9 would: no
// checkpoint, no clean shutdown. It waits until the process is gone; Stop may still be called
// afterwards to release the rest.
func (s *Server) Kill() {
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL) // the process group (Setpgid)
	_ = s.cmd.Process.Kill()
	<-s.done
}

// Done is closed when the Neo4j process has exited, for whatever reason.
func (s *Server) Done() <-chan struct{} { return s.done }

// PID is the operating-system id of the Java process.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// freePort asks the kernel for a free TCP port on addr.
func freePort(addr string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(addr, "0"))
	if err != nil {
		return 0, fmt.Errorf("find a free port on %s: %w", addr, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// dialBolt checks that a TCP connection to Bolt opens.
func dialBolt(ctx context.Context, addr string, port int) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(addr, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("neo4j said it was ready but bolt does not answer: %w", err)
	}
	return c.Close()
}

// tailWriter forwards writes to w and keeps the last max bytes for error messages.
type tailWriter struct {
	mu  sync.Mutex
	max int
	buf []byte
	w   io.Writer
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	t.mu.Unlock()
	_, _ = t.w.Write(p)
	return len(p), nil
}

func (t *tailWriter) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
