package ui

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/vpclink/vpclink/awsops/sandbox"
	"github.com/vpclink/vpclink/steps"
)

func TestPlainPromptsBuildTheChain(t *testing.T) {
	sb, err := sandbox.New(sandbox.Options{Speed: 0})
	if err != nil {
		t.Fatal(err)
	}
	store := &steps.Store{Dir: t.TempDir()}
	answers := strings.Join([]string{
		"2",           // VPC: prod-vpc (the default VPC, without a name, sorts first)
		"0",           // subnets: confirm the default, one private subnet per zone
		"",            // a new load balancer, not the hand-made one the VPC has
		"70000",       // listener port out of range
		"80",          // listener port
		"",            // target port: as shown
		"health",      // a path without a slash
		"/health",     // health check path
		"9",           // instances: 9 is not on the list
		"4",           // orders-api-1
		"5",           // orders-api-2
		"0",           // confirm
		"",            // nlb-ips
		"",            // a new VPC link
		"",            // a new REST API
		"",            // API name: the setup's
		"4",           // methods: PATCH off
		"5",           // DELETE off
		"0",           // confirm GET POST
		"",            // NONE
		"",            // dev
		"",            // logging OFF
		"fast",        // throttle rate: not a number
		"",            // no limit
		"",            // burst: no limit
		"team",        // a tag without a value
		"team=orders", // tags
		"",            // the suggested name
		"y",           // create
	}, "\n") + "\n"
	var out, errOut bytes.Buffer
	code := RunPlain(context.Background(), strings.NewReader(answers), &out, &errOut,
		WizardOptions{Account: sb.Account(), Store: store, Demo: true, Flags: "--demo"})
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	for _, want := range []string{
		"must be a number between 0 and 7",
		"loadBalancer.port: 70000 must be a port from 1 to 65535",
		`"health" must start with /`,
		"a number, or empty for no limit",
		"Name for everything created [orders-api]",
		"Create these resources? (y/N)",
	} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("the prompts do not say %q:\n%s", want, errOut.String())
		}
	}
	runs, _ := store.List()
	if len(runs) != 1 || runs[0].State != steps.StateComplete || runs[0].Plan.LoadBalancer.HealthCheck.Path != "/health" ||
		strings.Join(runs[0].Plan.API.Methods, " ") != "GET POST" || runs[0].Plan.Tags["team"] != "orders" {
		t.Fatalf("runs = %+v", runs)
	}
	if !strings.Contains(out.String(), runs[0].InvokeURL()) {
		t.Errorf("the summary on stdout lacks the invoke URL:\n%s", out.String())
	}
}

// TestPlainPromptsAskABadAnswerAgainAtOnce: a wrong answer is refused where it is given and
// the same question comes again, before any other; the tags and the logging are asked too,
// as the wizard asks them.
func TestPlainPromptsAskABadAnswerAgainAtOnce(t *testing.T) {
	sb, _ := sandbox.New(sandbox.Options{Speed: 0})
	answers := "2\n0\n\n80\n\n/\n4\n0\n\n\n\n\n0\n\n\nINFO\n\n\n\nteam\nteam=orders\nOrders!\norders\nn\n"
	var out, errOut bytes.Buffer
	RunPlain(context.Background(), strings.NewReader(answers), &out, &errOut,
		WizardOptions{Account: sb.Account(), Store: &steps.Store{Dir: t.TempDir()}, Demo: true})
	prompts := errOut.String()
	for _, seq := range [][]string{
		{"Logging", "Enter a number between 1 and 3: Invalid", "Enter a number between 1 and 3:", "Throttle rate"},
		{"Tags (", `"team" is not key=value`, "Tags (", "Name for everything"},
		{"Name for everything", "name:", "Name for everything", "Create these resources?"},
	} {
		at := 0
		for _, want := range seq {
			i := strings.Index(prompts[at:], want)
			if i < 0 {
				t.Fatalf("after %q the prompts do not go on with %q:\n%s", prompts[max(at-40, 0):at], want, prompts)
			}
			at += i + len(want)
		}
	}
}

func TestPlainPromptsStopCleanlyWhenInputEnds(t *testing.T) {
	sb, _ := sandbox.New(sandbox.Options{Speed: 0})
	var out, errOut bytes.Buffer
	code := RunPlain(context.Background(), strings.NewReader("2\n"), &out, &errOut,
		WizardOptions{Account: sb.Account(), Store: &steps.Store{Dir: t.TempDir()}, Demo: true})
	if code != ExitUsage || !strings.Contains(errOut.String(), "no more input") {
		t.Errorf("exit %d, stderr:\n%s", code, errOut.String())
	}
	if inv := sb.Inventory(); inv.LoadBalancers != 0 || inv.RestAPIs != 0 {
		t.Errorf("something was created: %+v", inv)
	}
}

// TestPlainPromptsOfferToReuseALoadBalancer: as the wizard does, the prompts offer the VPC's
// load balancers; reusing one skips the questions about a new one, its targets and rules.
func TestPlainPromptsOfferToReuseALoadBalancer(t *testing.T) {
	sb, _ := sandbox.New(sandbox.Options{Speed: 0})
	ctx := context.Background()
	acct := sb.Account()
	var private []string
	subnets, _ := acct.ListSubnets(ctx, "")
	for _, s := range subnets {
		if strings.HasPrefix(s.Name, "prod-private-") {
			private = append(private, s.ID)
		}
	}
	lb, err := acct.CreateLoadBalancer(ctx, "orders-nlb", private, nil)
	if err != nil {
		t.Fatal(err)
	}
	// VPC, subnets, reuse the third choice (the second is the demo account's hand-made
	// one), a new VPC link, a new API, API name, methods, NONE, dev, OFF, rate, burst, tags,
	// name; the load balancer has no listener, so the plan goes no further.
	answers := "2\n0\n3\n\n\n\n0\n\n\n\n\n\n\n\n"
	var out, errOut bytes.Buffer
	RunPlain(ctx, strings.NewReader(answers), &out, &errOut,
		WizardOptions{Account: acct, Store: &steps.Store{Dir: t.TempDir()}, Demo: true})
	prompts := errOut.String()
	for _, want := range []string{"Load balancer (enter keeps: Create a new internal NLB)", "3. Reuse orders-nlb", "Name for everything created [orders-nlb]"} {
		if !strings.Contains(prompts, want) {
			t.Errorf("the prompts do not say %q:\n%s", want, prompts)
		}
	}
	for _, unwanted := range []string{"Listener port", "Instances behind the load balancer", "security groups by"} {
		if strings.Contains(prompts, unwanted) {
			t.Errorf("reusing %s, the prompts still ask %q:\n%s", lb.Name, unwanted, prompts)
		}
	}
}
