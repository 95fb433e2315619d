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
		"2",        // VPC: prod-vpc (the default VPC, without a name, sorts first)
		"",         // subnets: the default, one private subnet per zone
		"4 9",      // instances: 9 is not on the list
		"4 5",      // orders-api-1 and orders-api-2
		"70000",    // listener port out of range
		"80",       // listener port
		"",         // target port: same as the listener
		"health",   // a path without a slash
		"/health",  // health check path
		"",         // nlb-ips
		"GET POST", // methods
		"",         // NONE
		"",         // dev
		"",         // the suggested name
		"y",        // create
	}, "\n") + "\n"
	var out, errOut bytes.Buffer
	code := RunPlain(context.Background(), strings.NewReader(answers), &out, &errOut,
		WizardOptions{Account: sb.Account(), Store: store, Demo: true, Flags: "--demo"})
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	for _, want := range []string{
		`"9" is not a number from 1 to 7`,
		"loadBalancer.port: 70000 must be a port from 1 to 65535",
		`"health" must start with /`,
		"Name for everything created [orders-api]",
		"Create these resources? (y/N)",
	} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("the prompts do not say %q:\n%s", want, errOut.String())
		}
	}
	runs, _ := store.List()
	if len(runs) != 1 || runs[0].State != steps.StateComplete || runs[0].Plan.LoadBalancer.HealthCheck.Path != "/health" ||
		strings.Join(runs[0].Plan.API.Methods, " ") != "GET POST" {
		t.Fatalf("runs = %+v", runs)
	}
	if !strings.Contains(out.String(), runs[0].InvokeURL()) {
		t.Errorf("the summary on stdout lacks the invoke URL:\n%s", out.String())
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
