package sandbox_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/awsops/sandbox"
)

// writerEnv, when set to "DIR PORT N", makes the test binary a second vpclink process: it
// adds N ingress rules from PORT on to the demo account in DIR, then exits.
const writerEnv = "VPCLINK_SANDBOX_TEST_WRITER"

func TestMain(m *testing.M) {
	if v := os.Getenv(writerEnv); v != "" {
		if err := writeRules(v); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func writeRules(spec string) error {
	f := strings.Fields(spec)
	if len(f) != 3 {
		return fmt.Errorf("%s=%q: want DIR PORT N", writerEnv, spec)
	}
	from, err1 := strconv.Atoi(f[1])
	n, err2 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil {
		return fmt.Errorf("%s=%q: want DIR PORT N", writerEnv, spec)
	}
	sb, err := sandbox.New(sandbox.Options{Dir: f[0], Region: "us-east-1"})
	if err != nil {
		return err
	}
	return addRules(sb.Account(), from, n)
}

// addRules adds n rules to the bastion's security group, on ports from..from+n-1.
func addRules(a *awsops.Account, from, n int) error {
	ctx := context.Background()
	group, err := bastionGroup(a)
	if err != nil {
		return err
	}
	for p := from; p < from+n; p++ {
		r := awsops.Rule{GroupID: group, Protocol: "tcp", FromPort: int32(p), ToPort: int32(p), CIDR: "10.0.0.0/16"}
		if _, err := a.AuthorizeIngress(ctx, r, nil); err != nil {
			return err
		}
	}
	return nil
}

func bastionGroup(a *awsops.Account) (string, error) {
	ctx := context.Background()
	vpcs, err := a.ListVPCs(ctx)
	if err != nil {
		return "", err
	}
	for _, v := range vpcs {
		groups, err := a.ListSecurityGroups(ctx, v.ID)
		if err != nil {
			return "", err
		}
		for _, g := range groups {
			if g.Name == "bastion-sg" {
				return g.ID, nil
			}
		}
	}
	return "", fmt.Errorf("no bastion-sg in the demo account")
}

// ports returns the ports of the rules the account in dir holds in the bastion's group.
func ports(t *testing.T, dir string) map[int32]bool {
	t.Helper()
	_, a := open(t, sandbox.Options{Dir: dir, Region: "us-east-1"})
	group, err := bastionGroup(a)
	if err != nil {
		t.Fatal(err)
	}
	groups, err := a.ListSecurityGroups(context.Background(), "", group)
	if err != nil || len(groups) != 1 {
		t.Fatalf("list %s: %v, %v", group, groups, err)
	}
	got := map[int32]bool{}
	for _, r := range groups[0].Ingress {
		got[r.FromPort] = true
	}
	return got
}

func checkNoWriteLost(t *testing.T, dir string, from, n int) {
	t.Helper()
	got := ports(t, dir)
	var lost []int
	for p := from; p < from+n; p++ {
		if !got[int32(p)] {
			lost = append(lost, p)
		}
	}
	if len(lost) > 0 {
		t.Errorf("%d of %d writes lost (ports %v)", len(lost), n, lost)
	}
}

func TestTwoSandboxesOnOneAccountFileLoseNoWrite(t *testing.T) {
	dir := t.TempDir()
	const each = 40
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for i := range 2 {
		// Each is a separate Sandbox, as in a second vpclink process: nothing shared in memory.
		sb, err := sandbox.New(sandbox.Options{Dir: dir, Region: "us-east-1"})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { errs <- addRules(sb.Account(), 1000+i*each, each) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	checkNoWriteLost(t, dir, 1000, 2*each)
}

func TestTwoVpclinkProcessesOnOneDemoAccountLoseNoWrite(t *testing.T) {
	dir := t.TempDir()
	const each = 40
	if _, err := sandbox.New(sandbox.Options{Dir: dir, Region: "us-east-1"}); err != nil {
		t.Fatal(err)
	}
	var cmds []*exec.Cmd
	for i := range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d %d", writerEnv, dir, 2000+i*each, each))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("writer process: %v", err)
		}
	}
	checkNoWriteLost(t, dir, 2000, 2*each)
}
