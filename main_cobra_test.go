package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/vpclink/vpclink/steps"
)

// TestThePlanFormatIsOneText holds the README's plan, apply --help and help plan to one text,
// and that text to a valid plan.
func TestThePlanFormatIsOneText(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```yaml\n"+steps.PlanFormat+"```") {
		t.Errorf("README's Plans section does not show steps.PlanFormat:\n%s", steps.PlanFormat)
	}
	if _, err := steps.ParsePlan("the plan format", []byte(steps.PlanFormat)); err != nil {
		t.Errorf("the plan format is no valid plan: %v", err)
	}
	for _, args := range [][]string{{"apply", "--help"}, {"help", "plan"}, {"apply", "-h"}} {
		code, out, errOut := vpclink(t, args...)
		if code != 0 || !strings.Contains(out, indent(steps.PlanFormat, "    ")) || !strings.Contains(out, "\n    loadBalancer: {port: 80") || errOut != "" {
			t.Errorf("vpclink %s: exit %d, stderr %q; the plan format is missing from:\n%s", strings.Join(args, " "), code, errOut, out)
		}
	}
}

// TestCommandLineMistakesExit2WithTheCommandsHelp covers what the command line library finds
// wrong: each is a usage error (exit 2) that names the mistake and the help to read.
func TestCommandLineMistakesExit2WithTheCommandsHelp(t *testing.T) {
	tests := map[string]struct {
		args []string
		says []string
	}{
		"a flag of another command":   {args: []string{"destroy", "--new-copy", "orders-000000"}, says: []string{"unknown flag: --new-copy", "--new-copy is for vpclink apply", "Try: vpclink destroy --help"}},
		"a flag no command has":       {args: []string{"status", "--colour"}, says: []string{"unknown flag: --colour", "Try: vpclink status --help"}},
		"a flag without its value":    {args: []string{"apply", "-f"}, says: []string{"flag needs an argument", "Try: vpclink apply --help"}},
		"a misspelt command":          {args: []string{"stauts"}, says: []string{`unknown command "stauts"`, "did you mean status?", "Try: vpclink --help"}},
		"a demo subcommand not there": {args: []string{"demo", "restart"}, says: []string{`unknown command "restart" for "vpclink demo"`}},
		"a bad value of a bool flag":  {args: []string{"--demo=maybe", "status"}, says: []string{"invalid argument"}},
		"--live on apply":             {args: []string{"apply", "-f", "examples/demo.yaml", "--live"}, says: []string{"unknown flag: --live", "--live is for vpclink status"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := vpclink(t, append([]string{"--state-dir", t.TempDir()}, tc.args...)...)
			if code != 2 || out != "" {
				t.Errorf("exit %d, stdout %q; want exit 2 and nothing on stdout", code, out)
			}
			for _, s := range tc.says {
				if !strings.Contains(errOut, s) {
					t.Errorf("stderr does not say %q:\n%s", s, errOut)
				}
			}
		})
	}
}

func TestVersionFlagAndCommandAgree(t *testing.T) {
	_, flag, _ := vpclink(t, "--version")
	code, cmd, _ := vpclink(t, "version")
	if code != 0 || !strings.HasPrefix(cmd, "vpclink ") || flag != cmd {
		t.Errorf("vpclink --version = %q, vpclink version = %q (exit %d)", flag, cmd, code)
	}
}

// TestCompletionOffersRunsAndScenarios asks for completions as a shell does (cobra's
// __complete command) after a run exists.
func TestCompletionOffersRunsAndScenarios(t *testing.T) {
	t.Setenv("VPCLINK_DEMO_SPEED", "0")
	state := t.TempDir()
	s := summary(t, "apply", "--demo", "--state-dir", state, "-f", "examples/demo.yaml", "--yes", "--output", "json")
	for _, cmd := range []string{"resume", "destroy", "status", "check"} {
		code, out, _ := vpclink(t, "__complete", "--demo", "--state-dir", state, cmd, "")
		if code != 0 || !strings.Contains(out, s["runId"]+"\tcomplete in us-east-1") {
			t.Errorf("completion of %s: exit %d\n%s", cmd, code, out)
		}
	}
	if _, out, _ := vpclink(t, "__complete", "--state-dir", state, "resume", ""); strings.Contains(out, s["runId"]) {
		t.Errorf("without --demo the demo account's runs were offered:\n%s", out)
	}
	if _, out, _ := vpclink(t, "__complete", "demo", "scenario", "start", ""); !strings.Contains(out, "half-made-by-hand\t") {
		t.Errorf("scenario completion:\n%s", out)
	}
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		if code, out, _ := vpclink(t, "completion", shell); code != 0 || !strings.Contains(out, "vpclink") {
			t.Errorf("completion %s: exit %d", shell, code)
		}
	}
}

func TestManPagesHaveOneFilePerCommandAndThePlanFormat(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "manpages")
	if code, _, errOut := vpclink(t, "man", "--dir", dir); code != 0 {
		t.Fatalf("man: exit %d: %s", code, errOut)
	}
	for _, page := range []string{"vpclink.1", "vpclink-apply.1", "vpclink-resume.1", "vpclink-destroy.1", "vpclink-status.1",
		"vpclink-check.1", "vpclink-demo-reset.1", "vpclink-demo-scenario-start.1", "vpclink-iam-policy.1", "vpclink-completion-bash.1"} {
		if _, err := os.Stat(filepath.Join(dir, page)); err != nil {
			t.Errorf("no page %s: %v", page, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "vpclink-man.1")); err == nil {
		t.Errorf("the hidden man command has a page of its own")
	}
	apply, _ := os.ReadFile(filepath.Join(dir, "vpclink-apply.1"))
	if !strings.Contains(string(apply), ".EX\nname: orders") || !strings.Contains(string(apply), "{existing: <arn or name>}") || !strings.Contains(string(apply), "\\fB--keep-on-failure\\fP") {
		t.Errorf("vpclink-apply.1 lacks the plan format or its flags:\n%s", apply)
	}
}

func TestVersionNamesTheCommitOnce(t *testing.T) {
	built := func(version, commit, modified string) *debug.BuildInfo {
		info := &debug.BuildInfo{Main: debug.Module{Version: version}}
		if commit != "" {
			info.Settings = []debug.BuildSetting{{Key: "vcs.revision", Value: commit}, {Key: "vcs.modified", Value: modified}}
		}
		return info
	}
	const commit = "93048aa4b53f0123456789abcdef0123456789ab"
	tests := map[string]struct {
		stamped, stampedCommit string
		info                   *debug.BuildInfo
		want                   string
	}{
		"a release built without VCS stamps its commit": {stamped: "1.4.0", stampedCommit: "93048aa4b53f", want: "1.4.0 (commit 93048aa4b53f)"},
		"a release stamps its version":                  {stamped: "1.4.0", info: built("(devel)", commit, "false"), want: "1.4.0 (commit 93048aa4b53f)"},
		"a pseudo-version names the commit":             {info: built("v0.0.0-20261125231306-93048aa4b53f", commit, "false"), want: "v0.0.0-20261125231306-93048aa4b53f"},
		"a build from changed files says so":            {info: built("(devel)", commit, "true"), want: "(devel) (commit 93048aa4b53f, modified)"},
		"a build without VCS has only a version":        {info: built("", "", ""), want: "(devel)"},
		"no build info at all":                          {want: "(devel)"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := versionOf(tc.stamped, tc.stampedCommit, tc.info); got != tc.want {
				t.Errorf("versionOf = %q, want %q", got, tc.want)
			}
		})
	}
}
