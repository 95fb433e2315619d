// Command vpclink connects Amazon API Gateway to private services in a VPC: a REST API with a
// {proxy+} resource, a VPC link, an internal Network Load Balancer and the EC2 instances
// behind it. Run it without a command for the wizard, or with apply, resume, destroy or
// status for scripts.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/charmbracelet/x/term"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/awsops/sandbox"
	"github.com/vpclink/vpclink/steps"
	"github.com/vpclink/vpclink/ui"
)

// version is stamped by the release build with -X main.version=...
var version = ""

const usage = `vpclink connects Amazon API Gateway to private services in a VPC.

Usage:
  vpclink [flags]                       open the wizard
  vpclink apply -f PLAN [--yes] [--keep-on-failure] [--dry-run] [--new-copy] [--output text|json]
  vpclink resume RUN [--yes] [--rollback-on-failure] [--output text|json]
  vpclink destroy RUN [--yes] [--include-adopted]
  vpclink status [RUN] [--output text|json]
  vpclink check [RUN] [--path /health] [--output text|json]
                                        send a request through a run's chain, check each hop
  vpclink status RUN --live [--output text|json]   compare the journal with what exists now
  vpclink scan [--output text|json]     find every VPC-link chain of the region, whole or partial
  vpclink scan --plan ID [-o FILE]      write the plan that finishes chain ID (for apply -f)
  vpclink finish ID [--yes] [--output text|json]
                                        adopt what chain ID has, build what it lacks
  vpclink demo reset [--yes]
  vpclink demo scenario list [--output text|json]
  vpclink demo scenario start NAME [--yes]   reset the demo account into a training scenario
  vpclink iam-policy [--plan PLAN]      print the least-privilege IAM policy (for PLAN only)
  vpclink version

Global flags (before or after the command):
  --demo               use the built-in demo account instead of AWS
  --profile NAME       AWS profile (default: the default credential chain)
  --region REGION      AWS region (default: AWS_REGION, the profile's, or the plan's)
  --endpoint-url URL   send every AWS call to this endpoint (LocalStack, moto, ...)
  --state-dir DIR      where journals live (default: $XDG_STATE_HOME/vpclink)

Demo account settings: VPCLINK_DEMO_SPEED (0 instant … 1 real time, default 0.05),
VPCLINK_SANDBOX_FAIL=Operation[:n] (or VpcLinkAvailable[:n]) and VPCLINK_SANDBOX_THROTTLE=0.2
for training on failures; VPCLINK_SANDBOX_POLICY=policy.json makes the demo account enforce
that IAM policy, as AWS would.
`

type globals struct {
	demo     bool
	profile  string
	region   string
	endpoint string
	stateDir string
}

func (g *globals) register(fs *flag.FlagSet) {
	fs.BoolVar(&g.demo, "demo", g.demo, "use the built-in demo account")
	fs.StringVar(&g.profile, "profile", g.profile, "AWS profile")
	fs.StringVar(&g.region, "region", g.region, "AWS region")
	fs.StringVar(&g.endpoint, "endpoint-url", g.endpoint, "AWS endpoint URL")
	fs.StringVar(&g.stateDir, "state-dir", g.stateDir, "state directory")
}

// flags returns the global flags to repeat in suggested commands.
func (g *globals) flags() string {
	var f []string
	if g.demo {
		f = append(f, "--demo")
	}
	if g.profile != "" {
		f = append(f, "--profile "+g.profile)
	}
	if g.endpoint != "" {
		f = append(f, "--endpoint-url "+g.endpoint)
	}
	if g.stateDir != "" {
		f = append(f, "--state-dir "+g.stateDir)
	}
	return strings.Join(f, " ")
}

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	g := &globals{}
	top := flag.NewFlagSet("vpclink", flag.ContinueOnError)
	top.SetOutput(io.Discard)
	g.register(top)
	help := top.Bool("help", false, "")
	top.BoolVar(help, "h", false, "")
	if err := top.Parse(args); err != nil {
		return usageError(stderr, err)
	}
	if *help {
		fmt.Fprint(stdout, usage)
		return ui.ExitOK
	}
	rest := top.Args()
	interactive := isTerminal(stdin) && isTerminal(stderr)
	cmd := ""
	if len(rest) > 0 {
		cmd, rest = rest[0], rest[1:]
	}

	fs := flag.NewFlagSet("vpclink "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	g.register(fs)
	planFile := fs.String("f", "", "plan file")
	fs.StringVar(planFile, "file", "", "plan file")
	yes := fs.Bool("yes", false, "do not ask for confirmation")
	keep := fs.Bool("keep-on-failure", false, "keep what was created when a step fails")
	rollbackOnFailure := fs.Bool("rollback-on-failure", false, "roll a resumed run back when a step fails")
	dryRun := fs.Bool("dry-run", false, "check and show the plan; change nothing")
	newCopy := fs.Bool("new-copy", false, "build the plan again although a run already built it")
	output := fs.String("output", "text", "text or json")
	policyPlan := fs.String("plan", "", "plan file that narrows the IAM policy; with scan, the finding to write a plan for")
	outFile := fs.String("o", "", "file scan --plan writes")
	checkPath := fs.String("path", "", "path check requests")
	live := fs.Bool("live", false, "compare the run's journal with what exists now")
	includeAdopted := fs.Bool("include-adopted", false, "destroy also what the run adopted")
	if err := parseInterspersed(fs, rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			return ui.ExitOK
		}
		return usageError(stderr, err)
	}
	if *output != "text" && *output != "json" {
		return usageError(stderr, fmt.Errorf("--output %q: use text or json", *output))
	}
	if g.region != "" {
		if err := awsops.CheckRegion(g.region); err != nil {
			return usageError(stderr, fmt.Errorf("--region: %w", err))
		}
	}
	pos := fs.Args()
	if *rollbackOnFailure && cmd != "resume" {
		return usageError(stderr, errors.New("--rollback-on-failure is for vpclink resume; apply rolls back on failure unless --keep-on-failure"))
	}
	if *outFile != "" && (cmd != "scan" || *policyPlan == "") {
		return usageError(stderr, errors.New("-o names the file vpclink scan --plan ID writes"))
	}
	if *policyPlan != "" && cmd != "iam-policy" && cmd != "scan" {
		return usageError(stderr, fmt.Errorf("--plan narrows vpclink iam-policy; %s takes a plan as -f PLAN", cmd))
	}
	if *checkPath != "" && cmd != "check" {
		return usageError(stderr, fmt.Errorf("--path is the path vpclink check requests; %s does not take it", cmd))
	}
	if *includeAdopted && cmd != "destroy" {
		return usageError(stderr, errors.New("--include-adopted is for vpclink destroy RUN: it deletes what a finish run adopted too"))
	}
	if *live && (cmd != "status" || len(pos) != 1) {
		return usageError(stderr, errors.New("--live compares one run with what exists now: vpclink status RUN --live"))
	}

	dir, err := stateDir(g)
	if err != nil {
		ui.Fail(stderr, "find the state directory", err)
		return ui.ExitUsage
	}
	store := &steps.Store{Dir: dir}
	cli := &ui.CLI{Out: stdout, Err: stderr, In: stdin, Interactive: interactive, Yes: *yes, Keep: *keep, JSON: *output == "json", Demo: g.demo, DryRun: *dryRun, NewCopy: *newCopy, Flags: g.flags()}
	cli.RollbackOnFailure = *rollbackOnFailure
	cli.IncludeAdopted = *includeAdopted

	switch cmd {
	case "":
		opts := ui.WizardOptions{Store: store, Demo: g.demo, Profile: g.profile, Flags: g.flags(),
			Open: func(profile, region string) (*awsops.Account, error) {
				g2 := *g
				g2.profile = profile
				return openAccount(ctx, &g2, region)
			}}
		if os.Getenv("ACCESSIBLE") != "" || os.Getenv("TERM") == "dumb" {
			acct, err := openAccount(ctx, g, "")
			if err != nil {
				ui.Fail(stderr, "connect to AWS", err)
				return ui.ExitUsage
			}
			opts.Account = acct
			return ui.RunPlain(ctx, stdin, stdout, stderr, opts)
		}
		if !interactive {
			ui.Fail(stderr, "open the wizard", ui.WithHint(errors.New("the wizard needs a terminal"),
				"run a plan without one: vpclink apply -f PLAN --yes (examples/demo.yaml is one)"))
			return ui.ExitUsage
		}
		acct, err := openAccount(ctx, g, "")
		if err != nil {
			ui.Fail(stderr, "connect to AWS", err)
			return ui.ExitUsage
		}
		opts.Account = acct
		return ui.RunWizard(ctx, opts)
	case "apply":
		if *planFile == "" || len(pos) > 0 {
			return usageError(stderr, errors.New("apply takes a plan: vpclink apply -f PLAN"))
		}
		p, err := steps.LoadPlan(*planFile)
		if err != nil {
			ui.Fail(stderr, "read the plan", err)
			return ui.ExitUsage
		}
		acct, err := openAccount(ctx, g, p.Region)
		if err != nil {
			ui.Fail(stderr, "connect to AWS", err)
			return ui.ExitUsage
		}
		return cli.Apply(ctx, acct, store, p, *planFile)
	case "resume", "destroy":
		if len(pos) != 1 {
			return usageError(stderr, fmt.Errorf("%s takes one run id: vpclink %s RUN (vpclink status lists them)", cmd, cmd))
		}
		j, err := store.Load(pos[0])
		if err != nil {
			ui.Fail(stderr, cmd, withDemoHint(g, pos[0], err))
			return ui.ExitUsage
		}
		acct, err := openRunAccount(ctx, g, j, stderr)
		if err != nil {
			ui.Fail(stderr, "connect to AWS", err)
			return ui.ExitUsage
		}
		if cmd == "resume" {
			return cli.Resume(ctx, acct, store, pos[0])
		}
		return cli.Destroy(ctx, acct, store, pos[0])
	case "status":
		if len(pos) > 1 {
			return usageError(stderr, errors.New("status takes at most one run id"))
		}
		runID := ""
		if len(pos) == 1 {
			runID = pos[0]
		}
		if runID != "" {
			j, err := store.Load(runID)
			if err != nil {
				ui.Fail(stderr, "status", withDemoHint(g, runID, err))
				return ui.ExitUsage
			}
			if *live {
				acct, err := openRunAccount(ctx, g, j, stderr)
				if err != nil {
					ui.Fail(stderr, "connect to AWS", err)
					return ui.ExitUsage
				}
				if _, err := steps.CheckOwner(ctx, acct, j); err != nil {
					ui.Fail(stderr, "status "+runID, err)
					return ui.ExitUsage
				}
				return cli.StatusLive(ctx, acct, j)
			}
		}
		return cli.Status(store, runID)
	case "check":
		return runCheck(ctx, g, cli, store, pos, *checkPath, stderr)
	case "scan":
		return runScan(ctx, g, cli, store, pos, *policyPlan, *outFile, stderr)
	case "finish":
		return runFinish(ctx, g, cli, store, pos, stderr)
	case "demo":
		if len(pos) > 0 && pos[0] == "scenario" {
			return demoScenario(ctx, g, cli, pos[1:], stderr)
		}
		if len(pos) != 1 || pos[0] != "reset" {
			return usageError(stderr, errors.New("the demo command has two subcommands: vpclink demo reset, vpclink demo scenario list|start NAME"))
		}
		g.demo = true
		dir, err := stateDir(g)
		if err != nil {
			ui.Fail(stderr, "find the state directory", err)
			return ui.ExitUsage
		}
		return cli.DemoReset(&steps.Store{Dir: dir}, func() error {
			// The account is not read first: a damaged account file is what reset is for.
			opts, err := sandbox.OptionsFromEnv(dir, g.region)
			if err != nil {
				return ui.WithHint(err, "correct the variable, or unset it for a demo account without faults")
			}
			return sandbox.ResetAccount(opts)
		})
	case "iam-policy":
		if len(pos) > 0 {
			return usageError(stderr, errors.New("iam-policy takes no arguments: vpclink iam-policy [--plan PLAN]"))
		}
		scope := awsops.Scope{Region: g.region, Features: awsops.AllFeatures}
		if *policyPlan != "" {
			p, err := steps.LoadPlan(*policyPlan)
			if err != nil {
				ui.Fail(stderr, "read the plan", err)
				return ui.ExitUsage
			}
			scope = p.IAMScope()
			if g.region != "" {
				scope.Region = g.region
			}
		}
		return cli.IAMPolicy(awsops.PolicyFor(awsops.Commands, scope))
	case "version":
		fmt.Fprintln(stdout, "vpclink", buildVersion())
		return ui.ExitOK
	case "help":
		fmt.Fprint(stdout, usage)
		return ui.ExitOK
	}
	return usageError(stderr, fmt.Errorf("unknown command %q", cmd))
}

// runCheck wires vpclink check: the named run, or the latest of the account's region.
func runCheck(ctx context.Context, g *globals, cli *ui.CLI, store *steps.Store, pos []string, path string, stderr io.Writer) int {
	if len(pos) > 1 {
		return usageError(stderr, errors.New("check takes at most one run id: vpclink check [RUN] [--path /health]"))
	}
	if path == "" {
		path = "/"
	}
	if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " #") {
		return usageError(stderr, fmt.Errorf("--path %q: give the path below the stage, starting with /, e.g. --path /health", path))
	}
	if len(pos) == 1 {
		j, err := store.Load(pos[0])
		if err != nil {
			ui.Fail(stderr, "check", withDemoHint(g, pos[0], err))
			return ui.ExitUsage
		}
		acct, err := openRunAccount(ctx, g, j, stderr)
		if err != nil {
			ui.Fail(stderr, "connect to AWS", err)
			return ui.ExitUsage
		}
		if _, err := steps.CheckOwner(ctx, acct, j); err != nil {
			ui.Fail(stderr, "check "+j.RunID, err)
			return ui.ExitUsage
		}
		return cli.Check(ctx, acct, j, path)
	}
	acct, err := openAccount(ctx, g, "")
	if err != nil {
		ui.Fail(stderr, "connect to AWS", err)
		return ui.ExitUsage
	}
	j, err := steps.LatestRun(ctx, store, acct, g.demo)
	if err == nil {
		_, err = steps.CheckOwner(ctx, acct, j)
	}
	if err != nil {
		ui.Fail(stderr, "check", err)
		return ui.ExitUsage
	}
	return cli.Check(ctx, acct, j, path)
}

// runScan wires vpclink scan, and scan --plan ID [-o FILE].
func runScan(ctx context.Context, g *globals, cli *ui.CLI, store *steps.Store, pos []string, planID, outFile string, stderr io.Writer) int {
	if len(pos) > 0 {
		return usageError(stderr, errors.New("scan takes no arguments: vpclink scan, or vpclink scan --plan ID [-o FILE]"))
	}
	acct, err := openAccount(ctx, g, "")
	if err != nil {
		ui.Fail(stderr, "connect to AWS", err)
		return ui.ExitUsage
	}
	if planID != "" {
		return cli.ScanPlan(ctx, acct, store, planID, outFile)
	}
	return cli.Scan(ctx, acct, store)
}

// runFinish wires vpclink finish ID.
func runFinish(ctx context.Context, g *globals, cli *ui.CLI, store *steps.Store, pos []string, stderr io.Writer) int {
	if len(pos) != 1 {
		return usageError(stderr, errors.New("finish takes one finding id: vpclink finish ID (vpclink scan lists them)"))
	}
	acct, err := openAccount(ctx, g, "")
	if err != nil {
		ui.Fail(stderr, "connect to AWS", err)
		return ui.ExitUsage
	}
	return cli.Finish(ctx, acct, store, pos[0])
}

// demoScenario runs `vpclink demo scenario list` and `vpclink demo scenario start NAME`.
func demoScenario(ctx context.Context, g *globals, cli *ui.CLI, args []string, stderr io.Writer) int {
	switch {
	case len(args) == 1 && args[0] == "list":
		return cli.ScenarioList(steps.Scenarios())
	case len(args) == 2 && args[0] == "start":
	default:
		return usageError(stderr, errors.New("use vpclink demo scenario list, or vpclink demo scenario start NAME"))
	}
	sc, err := steps.FindScenario(args[1])
	if err != nil {
		return usageError(stderr, err)
	}
	g.demo = true
	cli.Flags = g.flags()
	dir, err := stateDir(g)
	if err != nil {
		ui.Fail(stderr, "find the state directory", err)
		return ui.ExitUsage
	}
	region := cmp.Or(g.region, "us-east-1")
	// The scenario is built at speed 0, without injected faults or a policy: it is set up,
	// not trained on.
	opts := sandbox.Options{Dir: dir, Region: region}
	store := &steps.Store{Dir: dir}
	return cli.ScenarioStart(sc, region, store, func() (*steps.ScenarioRun, error) {
		// The account is not read first: a damaged account file is started afresh too.
		if err := sandbox.ResetAccount(opts); err != nil {
			return nil, err
		}
		sb, err := sandbox.New(opts)
		if err != nil {
			return nil, err
		}
		return steps.StartScenario(ctx, sb, store, sc)
	})
}

// parseInterspersed parses flags that may come after positional arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	return fs.Parse(append([]string{"--"}, pos...))
}

func usageError(w io.Writer, err error) int {
	fmt.Fprintf(w, "✘ %v\n  Try: vpclink --help\n", err)
	return ui.ExitUsage
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// stateDir is --state-dir or the XDG default; the demo account keeps its own runs in demo/.
func stateDir(g *globals) (string, error) {
	dir := g.stateDir
	if dir == "" {
		d, err := steps.DefaultStateDir()
		if err != nil {
			return "", err
		}
		dir = d
	}
	if g.demo {
		dir = filepath.Join(dir, "demo")
	}
	return dir, nil
}

func withDemoHint(g *globals, runID string, err error) error {
	if g.demo || !errors.Is(err, steps.ErrNoRun) {
		return err
	}
	g2 := *g
	g2.demo = true
	if dir, derr := stateDir(&g2); derr == nil {
		if _, lerr := (&steps.Store{Dir: dir}).Load(runID); lerr == nil {
			return fmt.Errorf("%w; it was made on the demo account: add --demo", err)
		}
	}
	return err
}

func openSandbox(dir, region string) (*sandbox.Sandbox, error) {
	opts, err := sandbox.OptionsFromEnv(dir, region)
	if err != nil {
		return nil, ui.WithHint(err, "correct the variable, or unset it for a demo account without faults")
	}
	return sandbox.New(opts)
}

// openAccount connects to the demo account or to AWS. region, when set, is used unless
// --region says otherwise.
func openAccount(ctx context.Context, g *globals, region string) (*awsops.Account, error) {
	if g.region != "" {
		region = g.region
	}
	if region != "" {
		// From a plan, a journal or the wizard's region switch: checked before any use.
		if err := awsops.CheckRegion(region); err != nil {
			return nil, ui.WithHint(err, "use the region your resources are in, e.g. --region us-east-1")
		}
	}
	if g.demo {
		dir, err := stateDir(g)
		if err != nil {
			return nil, err
		}
		sb, err := openSandbox(dir, region)
		if err != nil {
			return nil, err
		}
		return sb.Account(), nil
	}
	var opts []func(*config.LoadOptions) error
	if g.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(g.profile))
	}
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, ui.WithHint(fmt.Errorf("load AWS configuration: %w", err), "check --profile and ~/.aws/config (aws configure list shows what the CLI sees), or try --demo")
	}
	if cfg.Region == "" {
		return nil, ui.WithHint(errors.New("no AWS region is configured"), "pass --region, set AWS_REGION, or set region in the plan or the profile")
	}
	return awsops.FromConfig(cfg, g.endpoint, g.profile), nil
}

// openRunAccount connects in the run's region, whatever --region says: a run's resources are
// where it made them, and looking for them elsewhere would find nothing to resume or delete.
func openRunAccount(ctx context.Context, g *globals, j *steps.Journal, stderr io.Writer) (*awsops.Account, error) {
	if j.Region == "" {
		return openAccount(ctx, g, "")
	}
	if g.region != "" && g.region != j.Region {
		fmt.Fprintf(stderr, "Run %s was made in %s: working there, not in %s (--region).\n", j.RunID, j.Region, g.region)
	}
	g2 := *g
	g2.region = ""
	return openAccount(ctx, &g2, j.Region)
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}
