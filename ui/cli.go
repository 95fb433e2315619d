package ui

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/steps"
)

// Exit codes of the commands.
const (
	ExitOK          = 0
	ExitFailed      = 1 // the command ran and failed; what remains is said
	ExitUsage       = 2 // bad flags, plan or arguments: nothing was changed
	ExitInterrupted = 130
)

// CLI runs the non-interactive commands: apply, resume, destroy, status and demo reset.
// Progress goes to Err, the final summary to Out.
type CLI struct {
	Out, Err io.Writer
	In       io.Reader
	// Interactive is true when In and Err are a terminal, so questions can be asked.
	Interactive bool
	Yes         bool
	Keep        bool
	JSON        bool
	Demo        bool
	// DryRun checks and shows a plan, with the AWS CLI commands, and changes nothing.
	DryRun bool
	// NewCopy builds a plan again although a complete run already built it.
	NewCopy bool
	// Flags repeats the global flags for the commands it suggests (e.g. "--demo").
	Flags string
	// RollbackOnFailure makes a failing resume roll the run back; by default resume keeps
	// what exists, as the user chose to when the run was kept.
	RollbackOnFailure bool
	// IncludeAdopted makes destroy delete, after the run's own resources, what the run
	// adopted (a finished hand-made chain's load balancer, VPC link and REST API).
	IncludeAdopted bool

	// preflight is what the last preflight found, for the JSON summary.
	preflight steps.Checks
	// finding is the scan finding a finish run completes, recorded in its journal.
	finding string
}

// Summary is what apply and resume print at the end; with --output json, as JSON.
type Summary struct {
	RunID           string `json:"runId"`
	State           string `json:"state"`
	Region          string `json:"region"`
	InvokeURL       string `json:"invokeUrl"`
	RestAPIID       string `json:"restApiId"`
	Stage           string `json:"stage"`
	VPCLinkID       string `json:"vpcLinkId"`
	LoadBalancerARN string `json:"loadBalancerArn"`
	LoadBalancerDNS string `json:"loadBalancerDns"`
	TargetGroupARN  string `json:"targetGroupArn"`
	ListenerARN     string `json:"listenerArn,omitempty"`
	APIKeyID        string `json:"apiKeyId,omitempty"`
	UsagePlanID     string `json:"usagePlanId,omitempty"`
	Demo            bool   `json:"demo,omitempty"`
	Error           string `json:"error,omitempty"`
	Next            string `json:"next,omitempty"`
	// Preflight is what was checked before anything was created.
	Preflight steps.Checks `json:"preflight,omitempty"`
}

// SummaryOf builds the summary of a journal.
func SummaryOf(j *steps.Journal) Summary {
	r := j.Resources
	return Summary{
		RunID: j.RunID, State: string(j.State), Region: j.Region, InvokeURL: j.InvokeURL(), RestAPIID: r.RestAPIID,
		Stage: r.Stage, VPCLinkID: r.VPCLinkID, LoadBalancerARN: r.LoadBalancerARN, LoadBalancerDNS: r.LoadBalancerDNS,
		TargetGroupARN: r.TargetGroupARN, ListenerARN: r.ListenerARN, APIKeyID: r.APIKeyID, UsagePlanID: r.UsagePlanID,
		Demo: j.Demo, Error: j.Error,
	}
}

// Fail prints an error in the house format: "✘ what: why", then "Try: fix" when a fix is known.
func Fail(w io.Writer, what string, err error) {
	fmt.Fprintf(w, "✘ %s: %v\n", what, err)
	if fix := steps.Recommend(err); fix != "" {
		fmt.Fprintf(w, "  Try: %s\n", fix)
	}
}

// hintError is an error that knows its fix.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string            { return e.err.Error() }
func (e *hintError) Unwrap() error            { return e.err }
func (e *hintError) RecommendActions() string { return e.hint }

// WithHint attaches a concrete fix to err, for Fail to print.
func WithHint(err error, hint string) error { return &hintError{err: err, hint: hint} }

func (c *CLI) command(verb, runID string) string {
	cmd := "vpclink " + verb
	if c.Flags != "" {
		cmd += " " + c.Flags
	}
	return cmd + " " + runID
}

// ask confirms a change before it is made; when the answer is no (or cannot be had) it says
// so and returns the exit code to end with.
func (c *CLI) ask(question, action, declined string) (bool, int) {
	ok, err := c.confirm(question, action)
	if err != nil {
		Fail(c.Err, action, err)
		return false, ExitUsage
	}
	if !ok {
		fmt.Fprintln(c.Err, declined)
		return false, ExitOK
	}
	return true, ExitOK
}

// confirm asks a yes/no question, or refuses when it cannot ask and --yes was not given.
func (c *CLI) confirm(question, action string) (bool, error) {
	if c.Yes {
		return true, nil
	}
	if !c.Interactive {
		return false, WithHint(fmt.Errorf("%s changes AWS resources and needs a yes, but there is no terminal to ask in", action), "review the plan printed above, then run the command again with --yes")
	}
	return c.readYes(question)
}

// progress prints a run's progress as lines as it changes: one per action and result, one
// per change of a wait's state, and the session's own steps (failure, rollback, keep).
type progress struct {
	mu    sync.Mutex
	c     *CLI
	model *steps.Progress
}

func (c *CLI) newProgress(j *steps.Journal) *progress {
	return &progress{c: c, model: steps.NewProgress(j)}
}

func (p *progress) event(e steps.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.model.Apply(e) {
		p.c.line(p.model, l)
	}
}

// line renders one entry of a run's log as the CLI's text.
func (c *CLI) line(m *steps.Progress, l steps.LogEntry) {
	w := c.Err
	switch l.Kind {
	case steps.StepAction:
		fmt.Fprintf(w, "  … %s\n", l.Text)
	case steps.StepNote:
		fmt.Fprintf(w, "✔ %s\n", l.Text)
	case steps.StepStatus:
		fmt.Fprintf(w, "    %s: %s\n", l.Title, l.Text)
	case steps.StepStopped:
		fmt.Fprintf(w, "■ %s stopped.\n", l.Title)
	case steps.StepFailed:
		fmt.Fprintf(w, "✘ %s failed: %s\n", l.Title, l.Text)
	case steps.UndoDone:
		if s := m.Step(l.Step); s != nil && s.UndoActed {
			fmt.Fprintf(w, "↩ Undid %s.\n", strings.ToLower(l.Title))
		}
	case steps.UndoFailed:
		if kept, ok := l.Kept(); ok {
			fmt.Fprintf(w, "■ Kept %s: run %s uses it.\n", kept.What, kept.By)
			break
		}
		fmt.Fprintf(w, "✘ Could not undo %s: %s\n", strings.ToLower(l.Title), l.Text)
	case steps.RunInterrupted:
		fmt.Fprintln(w, "\nInterrupted.")
	case steps.RunFailed:
		Fail(w, "apply "+m.RunID, l.Err)
	case steps.RollbackStarted:
		fmt.Fprintln(w, "Rolling back what this run created…")
	case steps.RollbackDone:
		fmt.Fprintln(w, "✔ Rolled back: nothing of this run remains.")
	case steps.RollbackFailed:
		Fail(w, "roll back "+m.RunID, l.Err)
	}
}

// linePrompter asks at the terminal what to do with a stopped run: y rolls back, anything
// else keeps.
type linePrompter struct{ c *CLI }

func (p linePrompter) Ask(q steps.Question) (steps.Choice, error) {
	yes, err := p.c.readYes(fmt.Sprintf("Roll back the %d resource(s) created so far?", q.Remaining))
	if err != nil {
		return steps.Keep, err
	}
	if yes {
		return steps.RollBack, nil
	}
	return steps.Keep, nil
}

// Describe prints what a plan will create and reuse, before confirmation.
func Describe(w io.Writer, p *steps.Plan, res *steps.Resolution, region string) {
	fmt.Fprintf(w, "Plan %q in %s\n", p.Name, region)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  VPC\t%s\n", vpcLabel(res.VPC))
	if res.LoadBalancer != nil {
		fmt.Fprintf(tw, "  Load balancer\treuse %s\n", res.LoadBalancer.Name)
		if len(res.Instances) > 0 {
			var in []string
			for _, i := range res.Instances {
				in = append(in, nameOr(i.Name, i.ID))
			}
			port := "its target group's port"
			if p.Targets.Port != 0 {
				port = fmt.Sprintf("port %d", p.Targets.Port)
			}
			fmt.Fprintf(tw, "  Targets\tregister %s on %s where not registered yet\n", strings.Join(in, ", "), port)
		}
		if p.SecurityGroups.Mode != "" {
			fmt.Fprintf(tw, "  Security groups\tadmit the NLB by %s where they do not yet\n", p.SecurityGroups.Mode)
		}
	} else {
		var sn []string
		for _, s := range res.Subnets {
			sn = append(sn, fmt.Sprintf("%s (%s)", nameOr(s.Name, s.ID), s.AZ))
		}
		fmt.Fprintf(tw, "  Load balancer\tnew internal NLB in %s, TCP %d\n", strings.Join(sn, ", "), p.LoadBalancer.Port)
		var in []string
		for _, i := range res.Instances {
			in = append(in, fmt.Sprintf("%s (%s)", nameOr(i.Name, i.ID), i.State))
		}
		fmt.Fprintf(tw, "  Targets\t%s on port %d, health check HTTP %s\n", strings.Join(in, ", "), p.Targets.Port, p.LoadBalancer.HealthCheck.Path)
		fmt.Fprintf(tw, "  Security groups\tadmit the NLB by %s\n", p.SecurityGroups.Mode)
	}
	if res.VPCLink != nil {
		fmt.Fprintf(tw, "  VPC link\treuse %s\n", res.VPCLink.ID)
	} else {
		fmt.Fprintf(tw, "  VPC link\tnew\n")
	}
	if res.RestAPI != nil {
		fmt.Fprintf(tw, "  REST API\treuse %s (%s)\n", res.RestAPI.Name, res.RestAPI.ID)
	} else {
		fmt.Fprintf(tw, "  REST API\tnew %s API, /{proxy+} %s, authorization %s\n", p.API.EndpointType, strings.Join(p.API.Methods, " "), p.API.Authorization)
	}
	fmt.Fprintf(tw, "  Stage\t%s, logging %s%s\n", p.Stage.Name, p.Stage.Logging, throttleText(p.Stage.Throttling))
	tw.Flush()
}

func throttleText(t steps.ThrottlingPlan) string {
	if t.Rate == 0 {
		return ""
	}
	return fmt.Sprintf(", throttling %g rps, burst %d", t.Rate, t.Burst)
}

func nameOr(name, id string) string {
	if name != "" {
		return name
	}
	return id
}

func vpcLabel(v awsops.VPC) string {
	return fmt.Sprintf("%s (%s, %s)", nameOr(v.Name, v.ID), v.ID, v.CIDR)
}

// withInterrupt returns a context that Ctrl-C or SIGTERM cancels, and a stop function: a
// `kill` or a service manager's stop gets the same careful stop as ctrl+c.
func withInterrupt(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
}

// Apply runs a plan: resolve, show, confirm, apply, then roll back or keep on failure.
func (c *CLI) Apply(ctx context.Context, acct *awsops.Account, store *steps.Store, p *steps.Plan, planFile string) int {
	res, err := steps.Resolve(ctx, acct, p)
	if err != nil {
		var pe *steps.PlanError
		if errors.As(err, &pe) {
			// A resource of another account or region is "not found" here: say where it is.
			if own, oerr := steps.Ownership(ctx, acct, p); oerr == nil && len(own.Failed()) > 0 {
				return c.refused(own)
			}
		}
		Fail(c.Err, "check the plan against the account", err)
		if errors.As(err, &pe) {
			return ExitUsage
		}
		return ExitFailed
	}
	built, err := store.BuiltBy(p, acct.Region, func() (string, error) {
		id, err := acct.Identity(ctx)
		return id.Account, err
	})
	if err != nil {
		Fail(c.Err, "check the runs that built this plan", err)
		return ExitFailed
	}
	// Applying a plan again changes nothing unless a second copy is asked for: with
	// --new-copy, or at a terminal (the accessible wizard too) by answering yes.
	question := "Create these resources?"
	if built != nil && !c.NewCopy && !c.DryRun {
		if !c.Interactive || c.Yes {
			fmt.Fprintf(c.Err, "Run %s already built this plan: its invoke URL is %s\nNothing was changed; use --new-copy to build a second one.\n", built.RunID, built.InvokeURL())
			c.printSummary(built)
			return ExitOK
		}
		question = fmt.Sprintf("Run %s already built this plan (%s). Build a second copy?", built.RunID, built.InvokeURL())
	}
	Describe(c.Err, p, res, acct.Region)
	checks, err := steps.Preflight(ctx, acct, p, res, nil)
	if err != nil {
		Fail(c.Err, "run the preflight checks", err)
		return ExitFailed
	}
	c.preflight = checks
	if built != nil && c.DryRun {
		fmt.Fprintf(c.Err, "! run %s already built this plan; applying it changes nothing unless --new-copy is given\n", built.RunID)
	}
	if c.DryRun {
		WriteChecks(c.Err, checks)
		fmt.Fprintln(c.Out, "# The AWS CLI commands that would build this plan (nothing was changed):")
		for _, cmd := range steps.AWSCLI(p, res, acct.Region) {
			fmt.Fprintln(c.Out, cmd)
		}
		if len(checks.Failed()) > 0 {
			fmt.Fprintf(c.Err, "✘ The preflight found %d problem(s): apply would stop before creating anything. Fix them, then run the command again.\n", len(checks.Failed()))
			return ExitFailed
		}
		return ExitOK
	}
	if len(checks.Failed()) > 0 {
		return c.refused(checks)
	}
	WriteChecks(c.Err, checks)
	if ok, code := c.ask(question, "apply", "Nothing was changed."); !ok {
		return code
	}
	r := &steps.Runner{Account: acct, Store: store}
	defer r.Close()
	j, err := r.NewJournal(p, res, planFile, c.Demo)
	if err == nil && c.finding != "" {
		j.Finding = c.finding
		err = store.Save(j)
	}
	if err != nil {
		Fail(c.Err, "start the run", err)
		return ExitFailed
	}
	fmt.Fprintf(c.Err, "Run %s started; its journal is in %s.\n", j.RunID, store.Dir)
	return c.run(ctx, r, j, false)
}

// Resume continues a kept run: every recorded resource is checked and adopted, the rest built.
func (c *CLI) Resume(ctx context.Context, acct *awsops.Account, store *steps.Store, runID string) int {
	r := &steps.Runner{Account: acct, Store: store}
	defer r.Close()
	j, err := r.Open(ctx, runID)
	if err != nil {
		Fail(c.Err, "resume "+runID, err)
		return ExitUsage
	}
	switch j.State {
	case steps.StateRolledBack, steps.StateDestroyed:
		Fail(c.Err, "resume "+runID, fmt.Errorf("the run was %s, so nothing of it remains; apply its plan again to start afresh", j.State))
		return ExitUsage
	case steps.StateDestroying:
		Fail(c.Err, "resume "+runID, WithHint(errors.New("the run is half-destroyed: a destroy of it began and did not finish"),
			"finish the destroy: "+c.command("destroy", runID)+"; then apply its plan again to build it afresh"))
		return ExitUsage
	}
	if err := j.CheckPlan(); err != nil {
		Fail(c.Err, "resume "+runID, err)
		return ExitUsage
	}
	fmt.Fprintf(c.Err, "Resuming run %s (%s): checking what it recorded, then building the rest.\n", j.RunID, j.State)
	checks, err := steps.Preflight(ctx, acct, &j.Plan, nil, &j.Resources)
	if err != nil {
		Fail(c.Err, "run the preflight checks", err)
		return ExitFailed
	}
	c.preflight = checks
	if len(checks.Failed()) > 0 {
		return c.refused(checks)
	}
	WriteChecks(c.Err, checks)
	ShowResume(c.Err, j, steps.CheckRecorded(ctx, acct, j))
	if ok, code := c.ask("Resume this run?", "resume", "Nothing was changed."); !ok {
		return code
	}
	return c.run(ctx, r, j, true)
}

// ShowResume prints what a run holds, as the account has it now, and what resuming it will
// build, before the user is asked.
func ShowResume(w io.Writer, j *steps.Journal, found []steps.Found) {
	fmt.Fprintf(w, "Run %s (%s) in %s holds:\n", j.RunID, j.State, j.Region)
	if len(found) == 0 {
		fmt.Fprintln(w, "  nothing yet")
	}
	for _, f := range found {
		mark := "✔"
		if !f.Exists {
			mark = "✘"
		}
		line := fmt.Sprintf("  %s %s", mark, f.What)
		if f.Note != "" {
			line += ": " + f.Note
		}
		fmt.Fprintln(w, line)
	}
	for _, m := range steps.Unrecorded(j) {
		fmt.Fprintf(w, "  ? %s, if its create went through before it was stopped: resume finds and adopts it\n", m)
	}
	var todo []string
	for _, s := range j.Steps {
		if s.Status != steps.Done && s.Status != steps.Skipped {
			todo = append(todo, s.Title)
		}
	}
	if len(todo) == 0 {
		fmt.Fprintln(w, "Every step is done; resume checks each resource again and adopts it.")
		return
	}
	fmt.Fprintf(w, "Resume checks and adopts what exists, then builds: %s.\n", strings.Join(todo, ", "))
}

// run applies the journal; what a failure does is the session's policy: apply rolls back
// unless --keep-on-failure, resume keeps (the user chose to keep this run) unless
// --rollback-on-failure, and ctrl+c asks at a terminal.
func (c *CLI) run(ctx context.Context, r *steps.Runner, j *steps.Journal, resumed bool) int {
	r.Events = c.newProgress(j).event
	s := &steps.Session{Runner: r, Journal: j, Interrupt: withInterrupt,
		Policy: steps.Policy{Resumed: resumed, KeepOnFailure: c.Keep, RollbackOnFailure: c.RollbackOnFailure}}
	if c.Interactive {
		s.Prompter = linePrompter{c}
	}
	res := s.Run(ctx)
	if res.Outcome == steps.Complete {
		c.printSummary(j)
		c.checkAfterBuild(ctx, r.Account, j)
		return ExitOK
	}
	if res.Outcome == steps.Kept {
		c.kept(j)
	}
	c.printSummary(j)
	if res.Interrupted {
		return ExitInterrupted
	}
	return ExitFailed
}

// WriteChecks prints preflight results, one a line, each failure followed by its fix.
func WriteChecks(w io.Writer, checks steps.Checks) {
	if len(checks) == 0 {
		return
	}
	fmt.Fprintln(w, "Preflight:")
	for _, ch := range checks {
		mark := "✔"
		switch ch.Status {
		case steps.CheckWarn:
			mark = "!"
		case steps.CheckFail:
			mark = "✘"
		}
		fmt.Fprintf(w, "  %s %s: %s\n", mark, ch.Name, ch.Message)
		if ch.Fix != "" && ch.Status != steps.CheckOK {
			lines := strings.Split(ch.Fix, "\n")
			fmt.Fprintf(w, "    Try: %s\n", lines[0])
			for _, l := range lines[1:] {
				fmt.Fprintf(w, "      %s\n", l)
			}
		}
	}
}

// refused reports a run the preflight stopped: nothing was created, and each problem has its
// fix. It is not a usage error: the plan is well formed, the account is not ready for it.
func (c *CLI) refused(checks steps.Checks) int {
	c.preflight = checks
	WriteChecks(c.Err, checks)
	n := len(checks.Failed())
	fmt.Fprintf(c.Err, "✘ Stopped before creating anything: the preflight found %d problem(s). Fix them as said above, then run the command again.\n", n)
	if c.JSON {
		c.printJSON(Summary{State: "preflight-failed", Error: checks.Err().Error(), Preflight: checks})
	}
	return ExitFailed
}

// readYes asks question and reads a line: y or yes is yes; anything else, or no input, no.
func (c *CLI) readYes(question string) (bool, error) {
	fmt.Fprintf(c.Err, "%s (y/N) ", question)
	line, err := bufio.NewReader(c.In).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes", nil
}

// Remaining lists what a run created and still holds, one line each.
func Remaining(j *steps.Journal) []string { return steps.Remaining(j) }

func (c *CLI) kept(j *steps.Journal) {
	fmt.Fprintf(c.Err, "Kept what run %s created:\n", j.RunID)
	for _, line := range Remaining(j) {
		fmt.Fprintf(c.Err, "  - %s\n", line)
	}
	if len(steps.Unrecorded(j)) > 0 {
		fmt.Fprintln(c.Err, "  (resume and destroy find a \"maybe\" by its name and tag, as above)")
	}
	fmt.Fprintf(c.Err, "Finish it:  %s\n", c.command("resume", j.RunID))
	fmt.Fprintf(c.Err, "Delete it:  %s\n", c.command("destroy", j.RunID))
}

// next is the command that comes next for a run: resume a kept one, destroy a built or
// half-destroyed one.
func (c *CLI) next(j *steps.Journal) string {
	switch j.State {
	case steps.StateFailed, steps.StateInterrupted, steps.StateUndoFailed:
		return c.command("resume", j.RunID)
	case steps.StateComplete, steps.StateDestroying:
		return c.command("destroy", j.RunID)
	}
	return ""
}

func (c *CLI) printSummary(j *steps.Journal) {
	s := SummaryOf(j)
	s.Preflight = c.preflight
	s.Next = c.next(j)
	if c.JSON {
		c.printJSON(s)
		return
	}
	if j.State != steps.StateComplete {
		return
	}
	fmt.Fprintf(c.Out, "\n✔ Run %s is complete.\n", j.RunID)
	tw := tabwriter.NewWriter(c.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Invoke URL\t%s\n", s.InvokeURL)
	for i, line := range TryIt(j) {
		label := "Try it"
		if i > 0 {
			label = ""
		}
		fmt.Fprintf(tw, "%s\t%s\n", label, line)
	}
	fmt.Fprintf(tw, "REST API\t%s, stage %s\n", s.RestAPIID, s.Stage)
	fmt.Fprintf(tw, "VPC link\t%s\n", s.VPCLinkID)
	fmt.Fprintf(tw, "Load balancer\t%s\n", s.LoadBalancerARN)
	fmt.Fprintf(tw, "NLB DNS name\t%s\n", s.LoadBalancerDNS)
	if s.TargetGroupARN != "" {
		fmt.Fprintf(tw, "Target group\t%s\n", s.TargetGroupARN)
	}
	if s.APIKeyID != "" {
		fmt.Fprintf(tw, "API key\t%s, sent as x-api-key (its value is not stored; the AWS CLI reads it)\n", s.APIKeyID)
	}
	fmt.Fprintf(tw, "Delete it all\t%s\n", s.Next)
	tw.Flush()
	if j.Demo {
		fmt.Fprintln(c.Out, "(This is the demo account: the URL is not reachable from the internet.)")
	}
}

// Destroy deletes what a run created, in dependency order.
func (c *CLI) Destroy(ctx context.Context, acct *awsops.Account, store *steps.Store, runID string) int {
	r := &steps.Runner{Account: acct, Store: store}
	defer r.Close()
	j, err := r.Open(ctx, runID)
	if err != nil {
		Fail(c.Err, "destroy "+runID, err)
		return ExitUsage
	}
	r.Events = c.newProgress(j).event
	if j.State == steps.StateDestroyed || j.State == steps.StateRolledBack {
		fmt.Fprintf(c.Err, "Run %s was %s already: nothing to delete.\n", runID, j.State)
		return ExitOK
	}
	left := Remaining(j)
	if j.State == steps.StateDestroying {
		fmt.Fprintf(c.Err, "Run %s is half-destroyed: an earlier destroy did not finish. It still holds:\n", j.RunID)
	} else {
		fmt.Fprintf(c.Err, "Run %s (%s) holds:\n", j.RunID, j.State)
	}
	for _, line := range left {
		fmt.Fprintf(c.Err, "  - %s\n", line)
	}
	adopted := steps.Adopted(j)
	for _, line := range adopted {
		if c.IncludeAdopted {
			fmt.Fprintf(c.Err, "  - %s (adopted; deleted too, as --include-adopted asks)\n", line)
		} else {
			fmt.Fprintf(c.Err, "  leaving %s (adopted)\n", line)
		}
	}
	n := len(left)
	if c.IncludeAdopted {
		n += len(adopted)
	}
	if ok, code := c.ask(fmt.Sprintf("Delete these %d resource(s)?", n), "destroy", "Nothing was deleted."); !ok {
		return code
	}
	runCtx, stop := withInterrupt(ctx)
	err = r.Rollback(runCtx, j, steps.StateDestroyed)
	if err == nil && c.IncludeAdopted {
		err = steps.DeleteAdopted(runCtx, acct, store, j, func(s string) { fmt.Fprintf(c.Err, "  … %s\n", s) })
		adopted = nil
	}
	interrupted := runCtx.Err() != nil && ctx.Err() == nil
	stop()
	if err != nil {
		if interrupted {
			fmt.Fprintf(c.Err, "\nInterrupted: run %s is half-destroyed.\n", runID)
		} else {
			Fail(c.Err, "destroy "+runID, err)
		}
		if left := Remaining(j); len(left) > 0 {
			fmt.Fprintln(c.Err, "What may remain:")
			for _, line := range left {
				fmt.Fprintf(c.Err, "  - %s\n", line)
			}
		}
		fmt.Fprintf(c.Err, "Finish it:  %s\n", c.command("destroy", runID))
		if interrupted {
			return ExitInterrupted
		}
		return ExitFailed
	}
	fmt.Fprintf(c.Err, "✔ Destroyed run %s.\n", runID)
	if len(adopted) > 0 {
		fmt.Fprintf(c.Err, "Left in place, as run %s found them: %s.\n", runID, strings.Join(adopted, "; "))
	}
	return ExitOK
}

// IAMPolicy prints the IAM policy the commands need, as JSON to paste into IAM.
func (c *CLI) IAMPolicy(p awsops.Policy) int {
	fmt.Fprint(c.Out, p.JSON())
	return ExitOK
}

// RunInfo is one run in `status --output json`.
type RunInfo struct {
	RunID     string    `json:"runId"`
	State     string    `json:"state"`
	StartedAt time.Time `json:"startedAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	Region    string    `json:"region"`
	Name      string    `json:"name"`
	InvokeURL string    `json:"invokeUrl,omitempty"`
	Demo      bool      `json:"demo,omitempty"`
	Error     string    `json:"error,omitempty"`
}

// Status lists the runs, oldest first, or shows one run's steps and resources.
func (c *CLI) Status(store *steps.Store, runID string) int {
	if runID != "" {
		j, err := store.Load(runID)
		if err != nil {
			Fail(c.Err, "status", err)
			return ExitUsage
		}
		if c.JSON {
			c.printJSON(steps.StatusOf(j, c.next(j)))
			return ExitOK
		}
		c.runStatus(j)
		return ExitOK
	}
	list, skipped, err := store.Scan()
	if err != nil {
		Fail(c.Err, "status", err)
		return ExitFailed
	}
	c.warnSkipped(skipped)
	if c.JSON {
		runs := []RunInfo{}
		for _, j := range list {
			runs = append(runs, RunInfo{RunID: j.RunID, State: string(j.State), StartedAt: j.StartedAt, UpdatedAt: j.UpdatedAt, Region: j.Region, Name: j.Plan.Name, InvokeURL: j.InvokeURL(), Demo: j.Demo, Error: j.Error})
		}
		unreadable := []SkippedRun{}
		for _, je := range skipped {
			unreadable = append(unreadable, SkippedRun{RunID: je.RunID, Path: je.Path, Error: je.Error()})
		}
		c.printJSON(map[string]any{"runs": runs, "unreadable": unreadable})
		return ExitOK
	}
	if len(list) == 0 && len(skipped) == 0 {
		fmt.Fprintf(c.Out, "No runs in %s yet. Start one with `vpclink apply -f PLAN`", store.Dir)
		if !c.Demo {
			fmt.Fprint(c.Out, " (the demo account's runs: vpclink status --demo)")
		}
		fmt.Fprintln(c.Out, ".")
		return ExitOK
	}
	tw := tabwriter.NewWriter(c.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tSTATE\tSTARTED\tREGION\tINVOKE URL")
	for _, j := range list {
		url := j.InvokeURL()
		if j.State == steps.StateDestroying {
			url = "half-destroyed; finish: " + c.command("destroy", j.RunID)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", j.RunID, j.State, j.StartedAt.Local().Format("2006-01-02 15:04"), j.Region, url)
	}
	tw.Flush()
	return ExitOK
}

// SkippedRun is a journal that status could not read, in --output json.
type SkippedRun struct {
	RunID string `json:"runId"`
	Path  string `json:"path"`
	Error string `json:"error"`
}

// warnSkipped says, on stderr, which journals a listing skipped and why: one bad file is a
// warning, never a reason to hide the other runs.
func (c *CLI) warnSkipped(skipped []*steps.JournalError) {
	for _, je := range skipped {
		fmt.Fprintf(c.Err, "! skipped run %s: %v\n", je.RunID, je)
		if fix := je.RecommendActions(); fix != "" {
			fmt.Fprintf(c.Err, "  Try: %s\n", fix)
		}
	}
}

func (c *CLI) runStatus(j *steps.Journal) {
	fmt.Fprintf(c.Out, "Run %s: %s (started %s, region %s)\n", j.RunID, j.State, j.StartedAt.Local().Format("2006-01-02 15:04:05"), j.Region)
	if j.Error != "" {
		fmt.Fprintf(c.Out, "Last error: %s\n", j.Error)
	}
	tw := tabwriter.NewWriter(c.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nSTEP\tSTATUS\tDETAIL")
	for _, s := range j.Steps {
		detail := s.Detail
		if s.Error != "" {
			detail = s.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Title, s.Status, detail)
	}
	tw.Flush()
	if left := Remaining(j); len(left) > 0 {
		fmt.Fprintln(c.Out, "\nResources it created:")
		for _, line := range left {
			fmt.Fprintf(c.Out, "  - %s\n", line)
		}
	}
	if u := j.InvokeURL(); u != "" {
		fmt.Fprintf(c.Out, "\nInvoke URL: %s\n", u)
	}
	if j.State.Unfinished() {
		fmt.Fprintf(c.Out, "\nFinish it:  %s\nDelete it:  %s\n", c.command("resume", j.RunID), c.command("destroy", j.RunID))
	}
	if j.State == steps.StateDestroying {
		fmt.Fprintf(c.Out, "\nThis run is half-destroyed: a destroy began and did not finish.\nFinish it:  %s\n", c.command("destroy", j.RunID))
	}
}

// DemoReset puts the demo account back to its seed and forgets the demo runs.
func (c *CLI) DemoReset(store *steps.Store, reset func() error) int {
	runs, skipped, err := store.Scan()
	if err != nil {
		Fail(c.Err, "reset the demo account", err)
		return ExitFailed
	}
	c.warnSkipped(skipped)
	question := fmt.Sprintf("Reset the demo account to its seed and forget its %d run(s)?", len(runs))
	if ok, code := c.ask(question, "demo reset", "Nothing was changed."); !ok {
		return code
	}
	if err := reset(); err != nil {
		Fail(c.Err, "reset the demo account", err)
		return ExitFailed
	}
	for _, j := range runs {
		if err := store.Remove(j.RunID); err != nil {
			Fail(c.Err, "forget demo run "+j.RunID, err)
			return ExitFailed
		}
	}
	fmt.Fprintf(c.Err, "✔ The demo account is back to its seed; %d demo run(s) forgotten.\n", len(runs))
	return ExitOK
}

func (c *CLI) printJSON(v any) {
	enc := json.NewEncoder(c.Out)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// ScenarioInfo is one training scenario in `vpclink demo scenario list --output json`.
type ScenarioInfo struct {
	Name   string `json:"name"`
	Broken string `json:"broken"`
	Find   string `json:"find"`
}

// ScenarioList prints the training scenarios: each name, what is broken, what students
// should find.
func (c *CLI) ScenarioList(list []steps.Scenario) int {
	if c.JSON {
		out := []ScenarioInfo{}
		for _, s := range list {
			out = append(out, ScenarioInfo{Name: s.Name, Broken: s.Broken, Find: s.Find})
		}
		c.printJSON(map[string]any{"scenarios": out})
		return ExitOK
	}
	fmt.Fprintln(c.Out, "Training scenarios of the demo account; start one with `vpclink demo scenario start NAME`.")
	for _, s := range list {
		fmt.Fprintf(c.Out, "\n%s\n  Broken: %s\n  Find:   %s\n", s.Name, s.Broken, s.Find)
	}
	return ExitOK
}

// DriftSummary is what status --live prints with --output json.
type DriftSummary struct {
	RunID string        `json:"runId"`
	Drift []steps.Drift `json:"drift"`
	Next  string        `json:"next"`
}

// StatusLive compares what the journal of a run records with what exists now in its account
// and region: a table of each resource (ok, missing, changed, extra), then what to do. It
// exits 0 when nothing drifted and 1 when something did.
func (c *CLI) StatusLive(ctx context.Context, acct *awsops.Account, j *steps.Journal) int {
	report, err := steps.CompareLive(ctx, acct, j)
	if err != nil {
		Fail(c.Err, "compare run "+j.RunID+" with what exists", err)
		return ExitFailed
	}
	next := c.driftNext(report)
	if c.JSON {
		items := report.Items
		if items == nil {
			items = []steps.Drift{}
		}
		c.printJSON(DriftSummary{RunID: j.RunID, Drift: items, Next: next})
	} else {
		WriteDrift(c.Out, report)
		fmt.Fprintln(c.Out, next)
	}
	if report.Drifted() {
		return ExitFailed
	}
	return ExitOK
}

// ScenarioStart confirms, then resets the demo account of region into a scenario's state with
// start, and prints the trainer's brief: what is broken, what the students should find, the
// commands to try.
func (c *CLI) ScenarioStart(sc steps.Scenario, region string, store *steps.Store, start func() (*steps.ScenarioRun, error)) int {
	runs, skipped, err := store.Scan()
	if err != nil {
		Fail(c.Err, "start scenario "+sc.Name, err)
		return ExitFailed
	}
	c.warnSkipped(skipped)
	n := 0
	for _, j := range runs {
		if j.Region == region {
			n++
		}
	}
	question := fmt.Sprintf("Reset the demo account in %s to its seed, forget its %d run(s) there, and start scenario %s?", region, n, sc.Name)
	if ok, code := c.ask(question, "demo scenario start", "Nothing was changed."); !ok {
		return code
	}
	run, err := start()
	if err != nil {
		Fail(c.Err, "start scenario "+sc.Name, err)
		return ExitFailed
	}
	fmt.Fprintf(c.Err, "✔ Scenario %s is ready in the demo account (%s).\n\n", sc.Name, region)
	if c.JSON {
		out := map[string]any{"scenario": sc.Name, "region": region, "broken": sc.Broken, "find": sc.Find}
		if run.Journal != nil {
			out["runId"], out["invokeUrl"] = run.Journal.RunID, run.Journal.InvokeURL()
		}
		if run.PlanFile != "" {
			out["planFile"] = run.PlanFile
		}
		c.printJSON(out)
		return ExitOK
	}
	fmt.Fprintln(c.Out, ScenarioBrief(run, c.Flags))
	return ExitOK
}

// ScenarioBrief is the one-paragraph brief for the trainer of a started scenario; flags are
// the global flags its commands repeat (e.g. "--demo").
func ScenarioBrief(run *steps.ScenarioRun, flags string) string {
	command := func(verb, arg string) string {
		parts := []string{"vpclink"}
		for _, p := range []string{verb, flags, arg} {
			if p != "" {
				parts = append(parts, p)
			}
		}
		return strings.Join(parts, " ")
	}
	wizard, apply := command("", ""), command("apply", "-f examples/existing-nlb.yaml")
	if run.Region != "us-east-1" {
		wizard, apply = command("", "--region "+run.Region), command("apply", "--region "+run.Region+" -f examples/existing-nlb.yaml")
	}
	sc := run.Scenario
	var b strings.Builder
	fmt.Fprintf(&b, "Scenario %s (%s). ", sc.Name, run.Region)
	switch {
	case run.Journal != nil:
		j := run.Journal
		fmt.Fprintf(&b, "The orders service (orders-api-1 and -2 on port 80) was built behind REST API %s as run %s, invoke URL %s. ", j.Resources.RestAPIID, j.RunID, j.InvokeURL())
		if sc.Name == "healthy" {
			b.WriteString("Nothing is broken: use it to show a working request. ")
		} else {
			fmt.Fprintf(&b, "Then, behind vpclink's back: %s. ", sc.Broken)
		}
		fmt.Fprintf(&b, "Students should find: %s. ", sc.Find)
		fmt.Fprintf(&b, "Commands to try: `%s`, `%s`, `%s` (it rebuilds what vpclink built and names what it cannot mend), and `%s` to tear it down.",
			command("status", j.RunID), command("check", j.RunID+" --path /orders"), command("resume", j.RunID), command("destroy", j.RunID))
	case run.PlanFile != "":
		fmt.Fprintf(&b, "Broken: %s. The plan is %s; nothing is built yet. ", sc.Broken, run.PlanFile)
		fmt.Fprintf(&b, "Students should find: %s. ", sc.Find)
		fmt.Fprintf(&b, "Commands to try: `%s` (the preflight refuses it), then set the role (the fix it prints) or set logging to \"OFF\" in the plan, and apply again.", command("apply", "-f "+run.PlanFile))
	default:
		fmt.Fprintf(&b, "Broken: %s: load balancer %s and VPC link %s. ", sc.Broken, run.LoadBalancerARN, run.VPCLinkID)
		fmt.Fprintf(&b, "Students should find: %s. ", sc.Find)
		fmt.Fprintf(&b, "Commands to try: `%s` (nothing remembers these pieces), the wizard (`%s`) choosing the existing load balancer and VPC link, or `%s` with the load balancer's name in examples/existing-nlb.yaml.",
			command("status", ""), wizard, apply)
	}
	return b.String()
}

// WriteDrift writes a run's drift as a table: resource, id, state, detail.
func WriteDrift(w io.Writer, report steps.DriftReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RESOURCE\tID\tSTATE\tDETAIL")
	for _, d := range report.Items {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.Resource, shortARN(d.ID), d.State, d.Detail)
	}
	tw.Flush()
}

// shortARN names an ELB resource by its name (and a listener by its id too), for a table
// that fits a terminal; JSON keeps the whole ARN.
func shortARN(id string) string {
	if !strings.HasPrefix(id, "arn:") {
		return id
	}
	name := awsops.ResourceName(id)
	if parts := strings.Split(id, "/"); strings.Contains(id, ":listener/") && len(parts) >= 4 {
		return parts[len(parts)-3] + "/" + parts[len(parts)-1]
	}
	return name
}

// driftNext says what to do about a run's drift, as steps decided it.
func (c *CLI) driftNext(report steps.DriftReport) string {
	id := report.RunID
	switch report.Next() {
	case steps.NextResume:
		return "`" + c.command("resume", id) + "` makes again what is missing."
	case steps.NextDestroy:
		return "`" + c.command("destroy", id) + "` removes what the run made, extra copies included."
	case steps.NextRebuild:
		return "`" + c.command("resume", id) + "` leaves what changed as it is: put it back by hand, or `" + c.command("destroy", id) + "` removes what the run made and `vpclink apply -f PLAN` builds it afresh."
	}
	return "Nothing drifted; `" + c.command("check", id) + "` sends a request through the chain."
}
