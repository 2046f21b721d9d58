package admin

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/spf13/cobra"
)

func init() {
	caddycmd.RegisterCommand(caddycmd.Command{
		Name:  "bbb",
		Usage: "<servers|poll|status|meetings|tenants|recordings> [--address <listen>] [--config <path> [--adapter <name>]] [--json] [--yes]",
		Short: "Manages the BigBlueButton pool of a running Caddy",
		Long:  longHelp,
		CobraFunc: func(cmd *cobra.Command) {
			newCLI().setup(cmd)
		},
	})
}

var longHelp = `
Manages the BigBlueButton load balancer of a running Caddy through its admin
API (the /bbb/ routes): the pool of BBB servers, live meetings, tenants and
recordings. These commands replace Scalelite's rake tasks.

Like 'caddy reload', the command finds the admin endpoint from --address,
else from the config given with --config (and --adapter), else it uses
Caddy's default, ` + caddy.DefaultAdminListen + `.

Output is made for people: tables for lists, short reports for actions.
--json prints the admin route's JSON answer as is, for scripts. --timeout
bounds the wait for an answer (poll and import answer once done).

Commands that end meetings or remove servers with meetings ask for 'yes' on
the terminal first; --yes answers for you. Without a terminal and without
--yes they refuse.

Exit status:
  0  success
  1  failure: the admin API refused or failed (its message is printed),
     Caddy could not be reached, or a confirmation was not answered 'yes'
  2  usage error: unknown command or flag, wrong arguments, or a
     confirmation needed without a terminal to ask on (pass --yes)`

// Exit statuses; see longHelp.
const (
	exitFailure = 1
	exitUsage   = 2
)

// defaultTimeout bounds one command's calls to the admin endpoint. Poll and
// import answer only when done, so it is generous.
const defaultTimeout = 2 * time.Minute

// errFailed is what a failed command returns to cobra once it has printed
// its message; caddycmd.Main exits 1 on it.
var errFailed = errors.New("bbb command failed")

// usageError is a mistake in how the command was called.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// cli is one `caddy bbb` command tree: its persistent flags and how it talks
// to the terminal. Tests build their own with other wiring.
type cli struct {
	address    string
	configFile string
	adapter    string
	jsonOutput bool
	yes        bool
	timeout    time.Duration

	// interactive reports whether input is a terminal a person can answer
	// a confirmation on.
	interactive func(input io.Reader) bool
}

func newCLI() *cli {
	return &cli{interactive: isTerminal}
}

// isTerminal reports whether r is a character device, as a terminal is.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// setup turns cmd, the `bbb` command, into the whole command tree.
func (c *cli) setup(cmd *cobra.Command) {
	flags := cmd.PersistentFlags()
	flags.StringVar(&c.address, "address", "", "Address of the administration API listener (if --config is not used)")
	flags.StringVarP(&c.configFile, "config", "c", "", "Configuration file (if --address is not used)")
	flags.StringVarP(&c.adapter, "adapter", "a", "", "Name of config adapter to apply (if --config is used)")
	flags.BoolVar(&c.jsonOutput, "json", false, "Print the admin API's JSON answer as is")
	flags.BoolVarP(&c.yes, "yes", "y", false, "Answer 'yes' to confirmations")
	flags.DurationVar(&c.timeout, "timeout", defaultTimeout, "How long to wait for the admin API")

	cmd.Args = c.args(noArgs)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	cmd.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return c.fail(cmd, usageError{err})
	})
	cmd.AddCommand(
		c.serversCommand(),
		c.pollCommand(),
		c.statusCommand(),
		c.meetingsCommand(),
		c.tenantsCommand(),
		c.recordingsCommand(),
	)
	silenceErrors(cmd)
}

// silenceErrors stops cobra printing errors of the tree: fail prints them,
// without cobra's noise.
func silenceErrors(cmd *cobra.Command) {
	cmd.SilenceErrors = true
	cmd.SilenceUsage = true
	for _, sub := range cmd.Commands() {
		silenceErrors(sub)
	}
}

// call is what a command's action works with.
type call struct {
	ctx    context.Context
	cmd    *cobra.Command
	args   []string
	client *Client
	out    io.Writer
}

// run makes a cobra RunE of action: it finds the admin endpoint, bounds the
// call with --timeout and turns the outcome into an exit status.
func (c *cli) run(action func(*call) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		return c.fail(cmd, c.invoke(cmd, args, action))
	}
}

func (c *cli) invoke(cmd *cobra.Command, args []string, action func(*call) error) error {
	if c.adapter != "" && c.configFile == "" {
		return usagef("--adapter needs --config")
	}
	addr, err := caddycmd.DetermineAdminAPIAddress(c.address, nil, c.configFile, c.adapter)
	if err != nil {
		return fmt.Errorf("find the admin endpoint: %w", err)
	}
	client, err := NewClient(addr)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	return action(&call{ctx: ctx, cmd: cmd, args: args, client: client, out: cmd.OutOrStdout()})
}

// fail prints err, if any, and returns what makes caddycmd.Main exit with
// the matching status.
func (c *cli) fail(cmd *cobra.Command, err error) error {
	if err == nil {
		return nil
	}
	stderr := cmd.ErrOrStderr()
	fmt.Fprintln(stderr, "Error:", err)
	code := exitFailure
	if errors.As(err, new(usageError)) {
		code = exitUsage
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	return exitStatus(cmd, code)
}

// exitStatus returns the error that makes caddycmd.Main exit with code.
func exitStatus(cmd *cobra.Command, code int) error {
	if code == exitFailure {
		return errFailed
	}
	// Main exits with a status other than 1 only for caddycmd's own exit
	// error, which WrapCommandFuncForCobra alone can make. With a nil error
	// it logs nothing: the message is printed already.
	return caddycmd.WrapCommandFuncForCobra(func(caddycmd.Flags) (int, error) {
		return code, nil
	})(cmd, nil)
}

// args wraps a cobra argument check so that its complaint is a usage error.
func (c *cli) args(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return c.fail(cmd, usageError{err})
		}
		return nil
	}
}

// noArgs accepts no positional arguments; on a command with sub-commands a
// stray word is most likely a mistyped one.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.HasSubCommands() {
		return fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())
	}
	return fmt.Errorf("%q takes no arguments, got %q", cmd.CommandPath(), args)
}

// confirm asks the person at the terminal to type yes before something that
// cannot be undone. --yes answers for them; without a terminal to ask on it
// refuses, since a script must say --yes explicitly.
func (c *cli) confirm(cl *call, question string) error {
	if c.yes {
		return nil
	}
	in := cl.cmd.InOrStdin()
	if !c.interactive(in) {
		return usagef("%s: confirmation needed, but stdin is not a terminal; pass --yes to confirm", question)
	}
	fmt.Fprintf(cl.cmd.ErrOrStderr(), "%s\nType 'yes' to continue: ", question)
	answer, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read confirmation: %w", err)
	}
	if strings.TrimSpace(answer) != "yes" {
		return errors.New("aborted: nothing was changed")
	}
	return nil
}

// printJSON writes an admin answer as is, ending it with a newline.
func printJSON(w io.Writer, body []byte) error {
	body = []byte(strings.TrimRight(string(body), "\n"))
	if len(body) == 0 {
		body = []byte("null")
	}
	_, err := fmt.Fprintf(w, "%s\n", body)
	return err
}

// decode parses an admin answer into v, naming the call when it cannot.
func decodeAnswer(body []byte, what string, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("unexpected answer to %s: %w", what, err)
	}
	return nil
}
