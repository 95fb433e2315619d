package ui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

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
}

// errNoInput says the answers ran out: standard input closed before the setup was complete.
var errNoInput = errors.New("no more input")

// RunPlain runs the wizard as plain prompts and returns the exit code.
func RunPlain(ctx context.Context, in io.Reader, out, errOut io.Writer, o WizardOptions) int {
	p := &plain{ctx: ctx, in: bufio.NewReader(in), out: errOut, o: o, acct: o.Account}
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

// pick asks for item numbers from a list; many allows several, separated by spaces.
func (p *plain) pick(question string, n int, def []int, many bool) ([]int, error) {
	var defs []string
	for _, d := range def {
		defs = append(defs, strconv.Itoa(d+1))
	}
	var chosen []int
	_, err := p.askUntil(question, strings.Join(defs, " "), func(a string) error {
		chosen = nil
		for _, f := range strings.Fields(strings.ReplaceAll(a, ",", " ")) {
			k, err := strconv.Atoi(f)
			if err != nil || k < 1 || k > n {
				return fmt.Errorf("%q is not a number from 1 to %d", f, n)
			}
			chosen = append(chosen, k-1)
		}
		switch {
		case len(chosen) == 0:
			return errors.New("choose at least one number")
		case !many && len(chosen) > 1:
			return errors.New("choose one number")
		}
		return nil
	})
	return chosen, err
}

func (p *plain) run(stdout io.Writer) (int, error) {
	ctx := p.ctx
	id, err := p.acct.Identity(ctx)
	if err != nil {
		return 0, err
	}
	p.say("vpclink: connect API Gateway to private services in a VPC. Identity %s, region %s.", id.ARN, p.acct.Region)
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

	plan := steps.Plan{}
	plan.Defaults()
	vpcs, err := p.acct.ListVPCs(ctx)
	if err != nil {
		return 0, err
	}
	if len(vpcs) == 0 {
		return 0, errors.New("this region has no VPC")
	}
	p.say("VPCs:")
	for i, v := range vpcs {
		p.say("  %d) %s %s %s", i+1, nameOr(v.Name, "(no name)"), v.ID, v.CIDR)
	}
	k, err := p.pick("VPC (number)", len(vpcs), nil, false)
	if err != nil {
		return 0, err
	}
	vpc := vpcs[k[0]]
	plan.VPC = vpc.ID

	subnets, err := p.acct.ListSubnets(ctx, vpc.ID)
	if err != nil {
		return 0, err
	}
	var def []int
	zones := map[string]bool{}
	p.say("Subnets of %s (the load balancer takes one per zone; private ones are usual):", nameOr(vpc.Name, vpc.ID))
	for i, s := range subnets {
		kind := "private"
		if s.Public {
			kind = "public"
		}
		if !s.Public && !zones[s.AZ] {
			zones[s.AZ] = true
			def = append(def, i)
		}
		p.say("  %d) %s %s %s %s %s", i+1, nameOr(s.Name, "(no name)"), s.ID, s.AZ, s.CIDR, kind)
	}
	if len(subnets) == 0 {
		return 0, fmt.Errorf("%s has no subnet", vpc.ID)
	}
	chosen, err := p.pick("Subnets (numbers separated by spaces)", len(subnets), def, true)
	if err != nil {
		return 0, err
	}
	for _, i := range chosen {
		plan.Subnets = append(plan.Subnets, subnets[i].ID)
	}

	instances, err := p.acct.ListInstances(ctx, vpc.ID)
	if err != nil {
		return 0, err
	}
	if len(instances) == 0 {
		return 0, fmt.Errorf("%s has no instance to put behind the load balancer", vpc.ID)
	}
	p.say("Instances:")
	for i, in := range instances {
		p.say("  %d) %s %s %s %s %s", i+1, nameOr(in.Name, "(no name)"), in.ID, in.State, in.PrivateIP, in.AZ)
	}
	chosen, err = p.pick("Instances behind the load balancer (numbers separated by spaces)", len(instances), nil, true)
	if err != nil {
		return 0, err
	}
	for _, i := range chosen {
		plan.Targets.Instances = append(plan.Targets.Instances, instances[i].ID)
	}

	// Each answer is checked by the plan's own rules, so the messages are the ones apply gives.
	field := func(question, def string, set func(string), prefixes ...string) error {
		_, err := p.askUntil(question, def, func(a string) error {
			set(a)
			if probs := planProblems(plan, prefixes...); len(probs) > 0 {
				return errors.New(probs[0])
			}
			return nil
		})
		return err
	}
	asks := []func() error{
		func() error {
			return field("Listener port", "80", func(a string) { plan.LoadBalancer.Port = atoi32(a) }, "loadBalancer.port")
		},
		func() error {
			return field("Target port (where the service listens)", strconv.Itoa(int(plan.LoadBalancer.Port)), func(a string) { plan.Targets.Port = atoi32(a) }, "targets.port")
		},
		func() error {
			return field("Health check path", "/", func(a string) { plan.LoadBalancer.HealthCheck.Path = a }, "loadBalancer.healthCheck.path")
		},
		func() error {
			return field("Admit the load balancer by (nlb-ips or vpc-cidr)", steps.ModeNLBIPs, func(a string) { plan.SecurityGroups.Mode = strings.ToLower(a) }, "securityGroups.mode")
		},
		func() error {
			return field("Methods (GET POST PUT PATCH DELETE, or ANY)", "GET POST PATCH DELETE", func(a string) { plan.API.Methods = strings.Fields(strings.ToUpper(a)) }, "api.methods")
		},
		func() error {
			return field("Authorization (NONE, AWS_IAM or API_KEY)", steps.AuthNone, func(a string) { plan.API.Authorization = strings.ToUpper(a) }, "api.authorization")
		},
		func() error {
			return field("Stage name", "dev", func(a string) { plan.Stage.Name = a }, "stage.name")
		},
		func() error {
			d := &draft{}
			for _, i := range chosen {
				d.instances = append(d.instances, instances[i])
			}
			return field("Name for everything created", suggestName(d), func(a string) { plan.Name = a }, "name")
		},
	}
	for _, a := range asks {
		if err := a(); err != nil {
			return 0, err
		}
	}
	return cli.Apply(ctx, p.acct, p.o.Store, &plan, ""), nil
}
