// Command vpclink connects Amazon API Gateway to private services in a VPC: a REST API with a
// {proxy+} resource, a VPC link, an internal Network Load Balancer and the EC2 instances
// behind it. Run it without a command for the wizard, or with apply, resume, destroy or
// status for scripts.
package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/pflag"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/awsops/sandbox"
	"github.com/vpclink/vpclink/steps"
	"github.com/vpclink/vpclink/ui"
)

// version and commit are stamped by the release build with -X main.version=... -X main.commit=...
var version, commit = "", ""

// rootLong is the root command's help: what vpclink is, and the demo account's settings.
const rootLong = `vpclink connects Amazon API Gateway to private services in a VPC.

Without a command it opens the wizard. The commands below run a plan, finish or delete a
run, and show what runs exist, for scripts and CI. Global flags go before or after the
command; a command's own flags belong to it alone.

Demo account settings: VPCLINK_DEMO_SPEED (0 instant … 1 real time, default 0.05),
VPCLINK_SANDBOX_FAIL=Operation[:n] (or VpcLinkAvailable[:n]) and VPCLINK_SANDBOX_THROTTLE=0.2
for training on failures; VPCLINK_SANDBOX_POLICY=policy.json makes the demo account enforce
that IAM policy, as AWS would.`

// planHelp is the plan format, shown by vpclink apply --help, vpclink help plan and the
// manual pages (whose Markdown keeps the indented plan as it is).
func planHelp() string {
	return `A plan is one YAML document (at most 1 MiB); every error names its field. The
format, with each field's choices:

` + indent(steps.PlanFormat, "    ") + `
Every resource gets the tag vpclink:run with the run's id, besides yours. Leave a number out
for its default; a plan takes at most 49 tags. The examples folder of the release has one
plan for each choice (demo.yaml runs as-is on the demo account).`
}

// indent puts prefix before each line of s.
func indent(s, prefix string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "")
}

type globals struct {
	demo     bool
	profile  string
	region   string
	endpoint string
	stateDir string
}

func (g *globals) register(fs *pflag.FlagSet) {
	fs.BoolVar(&g.demo, "demo", g.demo, "use the built-in demo account instead of AWS")
	fs.StringVar(&g.profile, "profile", g.profile, "AWS profile (default: the default credential chain)")
	fs.StringVar(&g.region, "region", g.region, "AWS region (default: AWS_REGION, the profile's, or the plan's)")
	fs.StringVar(&g.endpoint, "endpoint-url", g.endpoint, "send every AWS call to this endpoint (LocalStack, moto, ...)")
	fs.StringVar(&g.stateDir, "state-dir", g.stateDir, "where journals live (default: $XDG_STATE_HOME/vpclink)")
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

// options are the values of the commands' own flags; each command registers those it takes.
type options struct {
	planFile          string
	output            string
	policyPlan        string
	checkPath         string
	yes               bool
	keep              bool
	rollbackOnFailure bool
	dryRun            bool
	newCopy           bool
	live              bool
	includeAdopted    bool
	scanPlan          string
	instances         []string // finish --instances
	outFile           string
}

// app is one run of the command line: its streams, flags and exit code.
type app struct {
	g      globals
	o      options
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	code   int
}

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{o: options{output: "text"}, stdin: stdin, stdout: stdout, stderr: stderr}
	root := a.commands()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err != nil {
		// The commands report their own failures and set a.code; an error here is cobra's:
		// an unknown command or flag, or a flag's bad value.
		return commandLineError(stderr, cmd, err)
	}
	return a.code
}

// commands builds the command tree. Each command's RunE calls one wiring function and keeps
// its exit code.
func (a *app) commands() *cobra.Command {
	g, o := &a.g, &a.o
	root := &cobra.Command{
		Use:     "vpclink",
		Short:   "Connect Amazon API Gateway to private services in a VPC",
		Long:    rootLong,
		Version: buildVersion(),
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if f := cmd.Flags().Lookup("output"); f != nil && o.output != "text" && o.output != "json" {
				return fmt.Errorf("--output %q: use text or json", o.output)
			}
			if g.region != "" {
				if err := awsops.CheckRegion(g.region); err != nil {
					return fmt.Errorf("--region: %w", err)
				}
			}
			return nil
		},
		RunE: a.wire(func(ctx context.Context, _ *ui.CLI, store *steps.Store, _ []string) int {
			return runWizard(ctx, g, store, a.stdin, a.stdout, a.stderr)
		}),
		SilenceErrors:     true,
		SilenceUsage:      true,
		DisableAutoGenTag: true,
	}
	root.SetVersionTemplate("vpclink {{.Version}}\n")
	g.register(root.PersistentFlags())
	_ = root.MarkPersistentFlagDirname("state-dir")

	output := func(c *cobra.Command) {
		c.Flags().StringVar(&o.output, "output", o.output, "text or json")
		_ = c.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp))
	}
	yes := func(c *cobra.Command) {
		c.Flags().BoolVar(&o.yes, "yes", false, "do not ask for confirmation")
	}

	apply := &cobra.Command{
		Use:   "apply -f PLAN",
		Short: "Build what a plan describes",
		Long: `Build what a plan describes. On failure apply rolls back, or with --keep-on-failure keeps
what exists and says how to resume or destroy it. --dry-run checks the plan against the
account and prints the equivalent AWS CLI commands, changing nothing. A plan that a complete
run already built changes nothing (apply prints that run's invoke URL) unless --new-copy.

` + planHelp(),
		Example: "  vpclink apply --demo -f examples/demo.yaml --yes",
		RunE: a.wire(func(ctx context.Context, cli *ui.CLI, store *steps.Store, pos []string) int {
			return runApply(ctx, g, cli, store, pos, o.planFile, a.stderr)
		}),
	}
	apply.Flags().StringVarP(&o.planFile, "file", "f", "", "plan file (YAML)")
	_ = apply.MarkFlagFilename("file", "yaml", "yml")
	yes(apply)
	apply.Flags().BoolVar(&o.keep, "keep-on-failure", false, "keep what was created when a step fails")
	apply.Flags().BoolVar(&o.dryRun, "dry-run", false, "check and show the plan; change nothing")
	apply.Flags().BoolVar(&o.newCopy, "new-copy", false, "build the plan again although a run already built it")
	output(apply)

	resume := &cobra.Command{
		Use:   "resume RUN",
		Short: "Finish a kept run",
		Long: `Finish a kept run: show what the run holds (checked against the account) and what it will
build, ask, then adopt what exists and build the rest. A failing resume keeps what exists
unless --rollback-on-failure.`,
		ValidArgsFunction: a.completeRuns,
		RunE: a.wire(func(ctx context.Context, cli *ui.CLI, store *steps.Store, pos []string) int {
			return runRun(ctx, g, cli, store, "resume", pos, a.stderr)
		}),
	}
	yes(resume)
	resume.Flags().BoolVar(&o.rollbackOnFailure, "rollback-on-failure", false, "roll the run back when a step fails")
	output(resume)

	destroy := &cobra.Command{
		Use:               "destroy RUN",
		Short:             "Delete what a run created, in dependency order",
		ValidArgsFunction: a.completeRuns,
		RunE: a.wire(func(ctx context.Context, cli *ui.CLI, store *steps.Store, pos []string) int {
			return runRun(ctx, g, cli, store, "destroy", pos, a.stderr)
		}),
	}
	yes(destroy)
	destroy.Flags().BoolVar(&o.includeAdopted, "include-adopted", false, "also delete what a finish run adopted (the hand-made parts)")

	status := &cobra.Command{
		Use:   "status [RUN]",
		Short: "List runs, or show one run; --live compares it with what exists now",
		Long: `List the runs (oldest first), or show one run's steps and resources, reading local files
only. status RUN --live compares the journal with what exists now in the run's account and
region, and exits 1 when something drifted.`,
		ValidArgsFunction: a.completeRuns,
		RunE: a.wire(func(ctx context.Context, cli *ui.CLI, store *steps.Store, pos []string) int {
			return runStatus(ctx, g, cli, store, pos, o.live, a.stderr)
		}),
	}
	status.Flags().BoolVar(&o.live, "live", false, "compare the run's journal with what exists now")
	output(status)

	check := &cobra.Command{
		Use:   "check [RUN]",
		Short: "Send a request through a run's chain and check each hop",
		Long: `Send a request through a run's chain (API Gateway's test invoke with the stage's variables,
then the invoke URL where it is reachable) and report each hop; name the first broken hop
and its fix. Without RUN, the latest run of the region. Exit 0 when the request reached the
service, 1 when a hop is broken.`,
		ValidArgsFunction: a.completeRuns,
		RunE: a.wire(func(ctx context.Context, cli *ui.CLI, store *steps.Store, pos []string) int {
			return runCheck(ctx, g, cli, store, pos, o.checkPath, a.stderr)
		}),
	}
	check.Flags().StringVar(&o.checkPath, "path", "", "path below the stage to request (default /)")
	output(check)

	scan := &cobra.Command{
		Use:   "scan",
		Short: "Find every VPC-link chain of the region, whole or partial, whoever made it",
		Long: `Find every VPC-link chain of the region, whole or partial, whoever made it (internal NLBs,
V1 VPC links, REST APIs with VPC_LINK integrations, their stages and variables, and the
instances' security-group rules), and say what each lacks. It changes nothing.
scan --plan ID writes the plan that finishes chain ID, for apply -f.`,
		RunE: a.wire(func(ctx context.Context, cli *ui.CLI, store *steps.Store, pos []string) int {
			return runScan(ctx, g, cli, store, pos, o.scanPlan, o.outFile, a.stderr)
		}),
	}
	scan.Flags().StringVar(&o.scanPlan, "plan", "", "write the plan that finishes this chain (a finding id)")
	scan.Flags().StringVarP(&o.outFile, "out", "o", "", "the file scan --plan writes (default: standard output)")
	output(scan)

	finish := &cobra.Command{
		Use:   "finish ID",
		Short: "Adopt what a half-made chain has and build only what it lacks",
		RunE: a.wire(func(ctx context.Context, cli *ui.CLI, store *steps.Store, pos []string) int {
			return runFinish(ctx, g, cli, store, pos, o.instances, a.stderr)
		}),
	}
	finish.Flags().StringSliceVar(&o.instances, "instances", nil, "the instances to register, names or ids (for a chain whose target group has no targets)")
	yes(finish)
	output(finish)

	demo := &cobra.Command{
		Use:   "demo",
		Short: "Reset the demo account, or start a training scenario",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			a.code = usageError(a.stderr, errors.New("the demo command has two subcommands: vpclink demo reset, vpclink demo scenario list|start NAME"))
			return nil
		},
	}
	reset := &cobra.Command{
		Use:   "reset",
		Short: "Put the demo account back to its seed",
		RunE: a.wire(func(_ context.Context, cli *ui.CLI, _ *steps.Store, pos []string) int {
			return runDemoReset(g, cli, pos, a.stderr)
		}),
	}
	yes(reset)
	scenario := &cobra.Command{
		Use:   "scenario",
		Short: "List the training scenarios, or start one",
		Args:  cobra.NoArgs,
		RunE: a.wire(func(ctx context.Context, cli *ui.CLI, _ *steps.Store, _ []string) int {
			return demoScenario(ctx, g, cli, nil, a.stderr)
		}),
	}
	scenarioList := &cobra.Command{
		Use:   "list",
		Short: "List the training scenarios",
		RunE: a.wire(func(ctx context.Context, cli *ui.CLI, _ *steps.Store, pos []string) int {
			return demoScenario(ctx, g, cli, append([]string{"list"}, pos...), a.stderr)
		}),
	}
	output(scenarioList)
	scenarioStart := &cobra.Command{
		Use:               "start NAME",
		Short:             "Reset the demo account into a training scenario",
		ValidArgsFunction: completeScenarios,
		RunE: a.wire(func(ctx context.Context, cli *ui.CLI, _ *steps.Store, pos []string) int {
			return demoScenario(ctx, g, cli, append([]string{"start"}, pos...), a.stderr)
		}),
	}
	yes(scenarioStart)
	output(scenarioStart)
	scenario.AddCommand(scenarioList, scenarioStart)
	demo.AddCommand(reset, scenario)

	iamPolicy := &cobra.Command{
		Use:   "iam-policy",
		Short: "Print the least-privilege IAM policy (for one plan with --plan)",
		Long: `Print the least-privilege IAM policy (JSON) for every command, or narrowed to one plan. It
needs no AWS credentials.`,
		RunE: a.wire(func(_ context.Context, cli *ui.CLI, _ *steps.Store, pos []string) int {
			return runIAMPolicy(g, cli, pos, o.policyPlan, a.stderr)
		}),
	}
	iamPolicy.Flags().StringVar(&o.policyPlan, "plan", "", "plan file that narrows the policy")
	_ = iamPolicy.MarkFlagFilename("plan", "yaml", "yml")

	version := &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(*cobra.Command, []string) {
			fmt.Fprintln(a.stdout, "vpclink", buildVersion())
		},
	}

	planTopic := &cobra.Command{
		Use:   "plan",
		Short: "The plan format: what a plan file for apply -f holds",
		Long:  planHelp(),
	}

	man := &cobra.Command{
		Use:    "man",
		Short:  "Write the manual pages",
		Hidden: true,
		Args:   cobra.NoArgs,
	}
	manDir := man.Flags().String("dir", "manpages", "folder to write the pages into")
	man.Run = func(*cobra.Command, []string) {
		a.code = writeManPages(root, *manDir, a.stderr)
	}

	root.AddCommand(apply, resume, destroy, status, check, scan, finish, demo, iamPolicy, version, planTopic, man)
	return root
}

// wire turns a wiring function into cobra's RunE: it gives the function the store and the
// CLI of the flags given, as every command needs them, and keeps its exit code.
func (a *app) wire(fn func(ctx context.Context, cli *ui.CLI, store *steps.Store, pos []string) int) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, pos []string) error {
		g, o := &a.g, &a.o
		dir, err := stateDir(g)
		if err != nil {
			ui.Fail(a.stderr, "find the state directory", err)
			a.code = ui.ExitUsage
			return nil
		}
		interactive := isTerminal(a.stdin) && isTerminal(a.stderr)
		cli := &ui.CLI{Out: a.stdout, Err: a.stderr, In: a.stdin, Interactive: interactive, Yes: o.yes, Keep: o.keep, JSON: o.output == "json", Demo: g.demo, DryRun: o.dryRun, NewCopy: o.newCopy, Flags: g.flags()}
		cli.RollbackOnFailure, cli.IncludeAdopted = o.rollbackOnFailure, o.includeAdopted
		a.code = fn(cmd.Context(), cli, &steps.Store{Dir: dir}, pos)
		return nil
	}
}

// completeRuns offers the run ids of the state directory, with each run's state and region.
func (a *app) completeRuns(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	dir, err := stateDir(&a.g)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	runs, _, err := (&steps.Store{Dir: dir}).Scan()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var ids []cobra.Completion
	for _, j := range runs {
		ids = append(ids, cobra.CompletionWithDesc(j.RunID, string(j.State)+" in "+j.Region))
	}
	return ids, cobra.ShellCompDirectiveNoFileComp
}

// completeScenarios offers the training scenarios' names.
func completeScenarios(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []cobra.Completion
	for _, sc := range steps.Scenarios() {
		names = append(names, cobra.CompletionWithDesc(sc.Name, sc.Broken))
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}

// writeManPages writes a manual page for each command into dir (the release ships them).
func writeManPages(root *cobra.Command, dir string, stderr io.Writer) int {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		ui.Fail(stderr, "write the manual pages", err)
		return ui.ExitFailed
	}
	header := &doc.GenManHeader{Title: "VPCLINK", Section: "1", Source: "vpclink " + buildVersion(), Manual: "vpclink manual"}
	if err := doc.GenManTree(root, header, dir); err != nil {
		ui.Fail(stderr, "write the manual pages", err)
		return ui.ExitFailed
	}
	return ui.ExitOK
}

// runWizard wires the wizard: bubbletea on a terminal, plain prompts with ACCESSIBLE=1 or
// TERM=dumb.
func runWizard(ctx context.Context, g *globals, store *steps.Store, stdin io.Reader, stdout, stderr io.Writer) int {
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
	if !isTerminal(stdin) || !isTerminal(stderr) {
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
}

// runApply wires vpclink apply -f PLAN.
func runApply(ctx context.Context, g *globals, cli *ui.CLI, store *steps.Store, pos []string, planFile string, stderr io.Writer) int {
	if planFile == "" || len(pos) > 0 {
		return usageError(stderr, errors.New("apply takes a plan: vpclink apply -f PLAN"))
	}
	p, err := steps.LoadPlan(planFile)
	if err != nil {
		ui.Fail(stderr, "read the plan", err)
		return ui.ExitUsage
	}
	acct, err := openAccount(ctx, g, p.Region)
	if err != nil {
		ui.Fail(stderr, "connect to AWS", err)
		return ui.ExitUsage
	}
	return cli.Apply(ctx, acct, store, p, planFile)
}

// runRun wires vpclink resume RUN and vpclink destroy RUN.
func runRun(ctx context.Context, g *globals, cli *ui.CLI, store *steps.Store, cmd string, pos []string, stderr io.Writer) int {
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
}

// runStatus wires vpclink status [RUN] and vpclink status RUN --live.
func runStatus(ctx context.Context, g *globals, cli *ui.CLI, store *steps.Store, pos []string, live bool, stderr io.Writer) int {
	if len(pos) > 1 {
		return usageError(stderr, errors.New("status takes at most one run id"))
	}
	if live && len(pos) != 1 {
		return usageError(stderr, errors.New("--live compares one run with what exists now: vpclink status RUN --live"))
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
		if live {
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
}

// runDemoReset wires vpclink demo reset.
func runDemoReset(g *globals, cli *ui.CLI, pos []string, stderr io.Writer) int {
	if len(pos) > 0 {
		return usageError(stderr, errors.New("demo reset takes no arguments: vpclink demo reset [--yes]"))
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
}

// runIAMPolicy wires vpclink iam-policy [--plan PLAN].
func runIAMPolicy(g *globals, cli *ui.CLI, pos []string, policyPlan string, stderr io.Writer) int {
	if len(pos) > 0 {
		return usageError(stderr, errors.New("iam-policy takes no arguments: vpclink iam-policy [--plan PLAN]"))
	}
	scope := awsops.Scope{Region: g.region, Features: awsops.AllFeatures}
	if policyPlan != "" {
		p, err := steps.LoadPlan(policyPlan)
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
	if outFile != "" && planID == "" {
		return usageError(stderr, errors.New("-o names the file vpclink scan --plan ID writes"))
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
func runFinish(ctx context.Context, g *globals, cli *ui.CLI, store *steps.Store, pos, instances []string, stderr io.Writer) int {
	if len(pos) != 1 {
		return usageError(stderr, errors.New("finish takes one finding id: vpclink finish ID (vpclink scan lists them)"))
	}
	acct, err := openAccount(ctx, g, "")
	if err != nil {
		ui.Fail(stderr, "connect to AWS", err)
		return ui.ExitUsage
	}
	return cli.Finish(ctx, acct, store, pos[0], instances...)
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

func usageError(w io.Writer, err error) int {
	fmt.Fprintf(w, "✘ %v\n  Try: vpclink --help\n", err)
	return ui.ExitUsage
}

// commandLineError reports what cobra found wrong in the command line (an unknown command or
// flag, a flag's bad value) as a usage error, with the command's help to try. A flag of
// another command says whose it is.
func commandLineError(w io.Writer, cmd *cobra.Command, err error) int {
	msg, help := err.Error(), "vpclink --help"
	if first, alts, ok := strings.Cut(msg, "\n\nDid you mean this?\n"); ok {
		msg = first + "; did you mean " + strings.Join(strings.Fields(alts), " or ") + "?"
	}
	if cmd != nil {
		help = cmd.CommandPath() + " --help"
		if name, ok := strings.CutPrefix(msg, "unknown flag: --"); ok {
			if owners := flagOwners(cmd.Root(), name); len(owners) > 0 {
				msg += "; --" + name + " is for " + strings.Join(owners, " and ") + flagNote(name)
			}
		}
	}
	fmt.Fprintf(w, "✘ %s\n  Try: %s\n", msg, help)
	return ui.ExitUsage
}

// flagNote says more about a flag given to a command that does not take it.
func flagNote(name string) string {
	switch name {
	case "rollback-on-failure":
		return "; apply rolls back on failure unless --keep-on-failure"
	case "plan":
		return "; apply takes a plan as -f PLAN"
	}
	return ""
}

// flagOwners names the commands that have their own flag called name.
func flagOwners(c *cobra.Command, name string) []string {
	var owners []string
	if c.LocalNonPersistentFlags().Lookup(name) != nil {
		owners = append(owners, c.CommandPath())
	}
	for _, sub := range c.Commands() {
		owners = append(owners, flagOwners(sub, name)...)
	}
	return owners
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

// buildVersion is the stamped version, or the module's, with the commit it was built from
// when the build recorded it.
func buildVersion() string {
	info, _ := debug.ReadBuildInfo()
	return versionOf(version, commit, info)
}

// versionOf is stamped (or, without it, the module's version) followed by the stamped commit
// or else the VCS commit of info, unless the version names the commit already (as Go's
// pseudo-versions do).
func versionOf(stamped, stampedCommit string, info *debug.BuildInfo) string {
	v := stamped
	if v == "" {
		v = "(devel)"
		if info != nil && info.Main.Version != "" {
			v = info.Main.Version
		}
	}
	commit, modified := stampedCommit, ""
	if info != nil && commit == "" {
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
	}
	if len(commit) > 12 {
		commit = commit[:12]
	}
	if commit == "" || strings.Contains(v, commit) {
		return v
	}
	if modified == "true" {
		commit += ", modified"
	}
	return v + " (commit " + commit + ")"
}
