package ui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/huh"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/steps"
)

// plain asks the wizard's questions one line at a time, for screen readers and terminals
// that cannot draw screens (ACCESSIBLE=1 or TERM=dumb). It builds the same plan and runs it
// through the same engine as vpclink apply.
type plain struct {
	ctx  context.Context
	in   *bufio.Reader
	out  io.Writer
	o    WizardOptions
	acct *awsops.Account
	// lines feeds huh's prompts one line at a time from in.
	lines *lineReader
}

// errNoInput says the answers ran out: standard input closed before the setup was complete.
var errNoInput = errors.New("no more input")

// RunPlain runs the wizard as plain prompts and returns the exit code.
// pickHint tells how the plain prompts' lists of choices work: huh's accessible multi-select
// does not take a bare enter.
const pickHint = ". A number ticks or unticks a line; 0 confirms."

func RunPlain(ctx context.Context, in io.Reader, out, errOut io.Writer, o WizardOptions) int {
	p := &plain{ctx: ctx, in: bufio.NewReader(in), out: errOut, o: o, acct: o.Account}
	p.lines = &lineReader{in: p.in}
	code, err := p.run(out)
	if err != nil {
		Fail(errOut, "run the wizard", err)
		if errors.Is(err, errNoInput) {
			return ExitUsage
		}
		return ExitFailed
	}
	return code
}

func (p *plain) say(format string, args ...any) { fmt.Fprintf(p.out, format+"\n", args...) }

// ask prints a question with its default and returns the answer, or the default for an
// empty line.
func (p *plain) ask(question, def string) (string, error) {
	if def != "" {
		fmt.Fprintf(p.out, "%s [%s]: ", question, def)
	} else {
		fmt.Fprintf(p.out, "%s: ", question)
	}
	line, err := p.in.ReadString('\n')
	if err != nil && (line == "" || !errors.Is(err, io.EOF)) {
		return "", errNoInput
	}
	line = strings.TrimSpace(line)
	if line == "" {
		return def, nil
	}
	return line, nil
}

// askUntil asks until check accepts the answer, saying why it did not.
func (p *plain) askUntil(question, def string, check func(string) error) (string, error) {
	for {
		a, err := p.ask(question, def)
		if err != nil {
			return "", err
		}
		if err := check(a); err != nil {
			p.say("  %v", err)
			continue
		}
		return a, nil
	}
}

func (p *plain) run(stdout io.Writer) (int, error) {
	ctx := p.ctx
	id, err := p.acct.Identity(ctx)
	if err != nil {
		return 0, err
	}
	p.say("vpclink: connect API Gateway to private services in a VPC. Identity %s, region %s.", id.ARN, p.acct.Region)
	if p.o.Demo {
		p.say("This is the demo account: nothing here touches AWS.")
	}
	cli := &CLI{Out: stdout, Err: p.out, In: p.in, Interactive: true, Yes: false, Demo: p.o.Demo, Flags: p.o.Flags}

	runs, err := p.o.Store.List()
	if err != nil {
		return 0, err
	}
	var open []*steps.Journal
	for _, j := range runs {
		if j.State.Unfinished() && j.Region == p.acct.Region && j.BelongsTo(id.Account) {
			open = append(open, j)
		}
	}
	if len(open) > 0 {
		p.say("Unfinished runs:")
		for i, j := range open {
			p.say("  %d) %s, %s, started %s", i+1, j.RunID, j.State, j.StartedAt.Local().Format("2006-01-02 15:04"))
		}
		a, err := p.askUntil("Resume one (its number), or press enter for a new setup", "", func(a string) error {
			if k, err := strconv.Atoi(a); a != "" && (err != nil || k < 1 || k > len(open)) {
				return fmt.Errorf("%q is not a number from 1 to %d", a, len(open))
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
		if a != "" {
			k, _ := strconv.Atoi(a)
			// Resume shows what the run holds and what it will build, then asks.
			return cli.Resume(ctx, p.acct, p.o.Store, open[k-1].RunID), nil
		}
	}

	plan := &steps.Plan{}
	plan.Defaults()
	plan.API.Methods = []string{"GET", "POST", "PATCH", "DELETE"}
	if err := p.questions(plan); err != nil {
		return 0, err
	}
	return cli.Apply(ctx, p.acct, p.o.Store, plan, ""), nil
}

// form asks the fields one after the other in huh's accessible mode: each answer is checked
// by its field's validator at once, and asked again when wrong.
func (p *plain) form(fields ...huh.Field) error {
	err := huh.NewForm(huh.NewGroup(fields...)).WithAccessible(true).WithTheme(huh.ThemeBase()).
		WithInput(p.lines).WithOutput(p.out).RunWithContext(p.ctx)
	if p.lines.eof {
		return errNoInput
	}
	return err
}

// choose is a choice of one, bound to v; the title names the choice an empty line keeps,
// which huh's prompt does not say.
func (p *plain) choose(title string, v *string, opts ...huh.Option[string]) huh.Field {
	for _, o := range opts {
		if o.Value == *v {
			title += " (enter keeps: " + o.Key + ")"
		}
	}
	return huh.NewSelect[string]().Title(title).Options(opts...).Value(v)
}

// many guards a multiple choice's validator: once the input has ended, huh's accessible
// prompt would ask again forever, so the answer stands and form reports the end.
func (p *plain) many(check func([]string) error) func([]string) error {
	return func(v []string) error {
		if p.lines.eof {
			return nil
		}
		return check(v)
	}
}

// text is a question whose answer is bound to the plan through a; an empty line keeps
// the value shown in brackets.
func (p *plain) text(title string, a huh.Accessor[string], check func() error) huh.Field {
	def := a.Get()
	if def != "" {
		title += " [" + def + "]"
	}
	return huh.NewInput().Title(title + ":").Accessor(a).Validate(func(s string) error {
		if strings.TrimSpace(s) == "" {
			s = def
		}
		a.Set(s)
		return check()
	})
}

// str binds a text question to a string of the plan.
func (p *plain) str(title string, v *string, check func() error) huh.Field {
	return p.text(title, huh.NewPointerAccessor(v), check)
}

// num binds a text question to a number of the plan.
func (p *plain) num(title string, n *boundText, check func() error) huh.Field {
	return p.text(title, n, func() error {
		if err := n.check(); err != nil {
			return err
		}
		return check()
	})
}

// questions asks what the wizard asks, screen by screen, and fills in the plan.
func (p *plain) questions(plan *steps.Plan) error {
	ctx := p.ctx
	check := func(prefixes ...string) func() error {
		return func() error { return planCheck(plan, prefixes...) }
	}
	vpcs, err := p.acct.ListVPCs(ctx)
	if err != nil {
		return err
	}
	if len(vpcs) == 0 {
		return errors.New("this region has no VPC")
	}
	// The VPC most likely wanted comes first in the defaults: private subnets and instances.
	var vpcOpts []huh.Option[string]
	for _, v := range vpcs {
		vpcOpts = append(vpcOpts, huh.NewOption(fmt.Sprintf("%s %s %s", nameOr(v.Name, "(no name)"), v.ID, v.CIDR), v.ID))
	}
	plan.VPC = p.likelyVPC(vpcs)
	if err := p.form(p.choose("VPC", &plan.VPC, vpcOpts...)); err != nil {
		return err
	}
	var vpc awsops.VPC
	for _, v := range vpcs {
		if v.ID == plan.VPC {
			vpc = v
		}
	}

	subnets, err := p.acct.ListSubnets(ctx, vpc.ID)
	if err != nil {
		return err
	}
	if len(subnets) == 0 {
		return fmt.Errorf("%s has no subnet: choose another VPC", vpc.ID)
	}
	zones := map[string]bool{}
	var subnetOpts []huh.Option[string]
	for _, s := range subnets {
		kind := "private"
		if s.Public {
			kind = "public"
		}
		if !s.Public && !zones[s.AZ] {
			zones[s.AZ] = true
			plan.Subnets = append(plan.Subnets, s.ID)
		}
		subnetOpts = append(subnetOpts, huh.NewOption(fmt.Sprintf("%s %s %s %s %s", nameOr(s.Name, "(no name)"), s.ID, s.AZ, s.CIDR, kind), s.ID))
	}
	if err := p.form(huh.NewMultiSelect[string]().Title("Subnets for the load balancer (one per zone; private ones are usual)" + pickHint).
		Options(subnetOpts...).Value(&plan.Subnets).Validate(p.many(func([]string) error { return planCheck(plan, "subnets") }))); err != nil {
		return err
	}

	lbs, err := p.acct.ListLoadBalancers(ctx, vpc.ID)
	if err != nil {
		return err
	}
	if len(lbs) > 0 {
		opts := []huh.Option[string]{huh.NewOption(lbCreate, "")}
		for _, lb := range lbs {
			opts = append(opts, huh.NewOption(fmt.Sprintf("Reuse %s (%s)", lb.Name, lb.State), lb.ARN))
		}
		if err := p.form(p.choose("Load balancer", &plan.LoadBalancer.Existing, opts...)); err != nil {
			return err
		}
	}
	var chosen []awsops.Instance
	if plan.LoadBalancer.Existing == "" {
		hc := &plan.LoadBalancer.HealthCheck
		if err := p.form(
			p.num("Listener port", int32Text(&plan.LoadBalancer.Port, false, "a port from 1 to 65535"), check("loadBalancer.port")),
			p.num("Target port (where the service listens)", int32Text(&plan.Targets.Port, false, "a port from 1 to 65535"), check("targets.port")),
			p.str("Health check path", &hc.Path, check("loadBalancer.healthCheck.path")),
		); err != nil {
			return err
		}
		instances, err := p.acct.ListInstances(ctx, vpc.ID)
		if err != nil {
			return err
		}
		if len(instances) == 0 {
			return fmt.Errorf("%s has no instance to put behind the load balancer: choose another VPC, or reuse a load balancer", vpc.ID)
		}
		var opts []huh.Option[string]
		for _, in := range instances {
			opts = append(opts, huh.NewOption(fmt.Sprintf("%s %s %s %s %s", nameOr(in.Name, "(no name)"), in.ID, in.State, in.PrivateIP, in.AZ), in.ID))
		}
		if err := p.form(huh.NewMultiSelect[string]().Title("Instances behind the load balancer" + pickHint).Options(opts...).
			Value(&plan.Targets.Instances).Validate(p.many(func(ids []string) error {
			if len(ids) == 0 {
				return errors.New("choose at least one instance")
			}
			return planCheck(plan, "targets.instances")
		}))); err != nil {
			return err
		}
		for _, in := range instances {
			if slices.Contains(plan.Targets.Instances, in.ID) {
				chosen = append(chosen, in)
			}
		}
		if err := p.form(p.choose("Admit the load balancer to the instances' security groups by", &plan.SecurityGroups.Mode,
			huh.NewOption("its IPs, one /32 rule each (the tightest)", steps.ModeNLBIPs),
			huh.NewOption("the VPC CIDR (admits every host in the VPC)", steps.ModeVPCCIDR))); err != nil {
			return err
		}
	}

	links, err := p.acct.ListVPCLinks(ctx)
	if err != nil {
		return err
	}
	if len(links) > 0 {
		opts := []huh.Option[string]{huh.NewOption("Create a new VPC link", "")}
		for _, l := range links {
			opts = append(opts, huh.NewOption(fmt.Sprintf("Reuse %s %s (%s)", l.Name, l.ID, l.Status), l.ID))
		}
		if err := p.form(p.choose("VPC link", &plan.VPCLink.Existing, opts...)); err != nil {
			return err
		}
	}
	apis, err := p.acct.ListRestAPIs(ctx)
	if err != nil {
		return err
	}
	if len(apis) > 0 {
		opts := []huh.Option[string]{huh.NewOption(apiCreate, "")}
		for _, a := range apis {
			opts = append(opts, huh.NewOption(fmt.Sprintf("Add to %s %s (%s)", a.Name, a.ID, a.Endpoint), a.ID))
		}
		if err := p.form(p.choose("REST API", &plan.API.Existing, opts...)); err != nil {
			return err
		}
	}
	var methodOpts []huh.Option[string]
	for _, m := range methodChoices {
		methodOpts = append(methodOpts, huh.NewOption(m, m))
	}
	var authOpts []huh.Option[string]
	for _, a := range steps.Authorizations {
		authOpts = append(authOpts, huh.NewOption(a, a))
	}
	apiFields := []huh.Field{}
	if plan.API.Existing == "" {
		apiFields = append(apiFields, p.str("API name (empty: the setup's name)", &plan.API.Name, check("api.name")))
	}
	apiFields = append(apiFields,
		huh.NewMultiSelect[string]().Title("Methods (ANY means every method)"+pickHint).Options(methodOpts...).Value(&plan.API.Methods).
			Validate(p.many(func([]string) error { return planCheck(plan, "api.methods") })),
		p.choose("Authorization", &plan.API.Authorization, authOpts...))
	if err := p.form(apiFields...); err != nil {
		return err
	}

	var logOpts []huh.Option[string]
	for _, l := range steps.LoggingLevels {
		logOpts = append(logOpts, huh.NewOption(l, l))
	}
	th := &plan.Stage.Throttling
	if err := p.form(
		p.str("Stage name", &plan.Stage.Name, check("stage.name")),
		p.choose("Logging (ERROR or INFO need the account's CloudWatch role)", &plan.Stage.Logging, logOpts...),
		p.num("Throttle rate, requests per second (empty: the account's default)", rateText(&th.Rate), check("stage.throttling")),
		p.num("Throttle burst (empty: the account's default)", int32Text(&th.Burst, true, "a whole number, or empty for no limit"), check("stage.throttling")),
	); err != nil {
		return err
	}

	d := &draft{instances: chosen}
	for _, lb := range lbs {
		if lb.ARN == plan.LoadBalancer.Existing {
			d.lb = &lb
		}
	}
	plan.Name = suggestName(d)
	return p.form(
		p.num("Tags (key=value, comma-separated; empty: none)", tagsText(&plan.Tags), check("tags")),
		p.str("Name for everything created", &plan.Name, check("name")),
	)
}

// likelyVPC is the VPC the wizard's cursor starts on: running instances in private
// subnets, then private subnets, then not the default VPC.
func (p *plain) likelyVPC(vpcs []awsops.VPC) string {
	return likelyVPC(vpcs, func(id string) (int, []awsops.Subnet) {
		subnets, _ := p.acct.ListSubnets(p.ctx, id)
		instances, _ := p.acct.ListInstances(p.ctx, id)
		return running(&vpcData{subnets: subnets, instances: instances}), subnets
	})
}
