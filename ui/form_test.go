package ui

import (
	"strings"
	"testing"
)

// TestQuestionMarkTypedIntoAFieldLandsInIt: ? is text while a text field has focus; it
// opens the help only where nothing is being typed.
func TestQuestionMarkTypedIntoAFieldLandsInIt(t *testing.T) {
	e := newEnv(t, "")
	e.init(t)
	e.press(t, "enter", "prod", "enter", "enter", "enter", "orders-api-", "space", "enter", "enter", "enter")
	if v := e.w.View(); !strings.Contains(v, "vpclink · API") {
		t.Fatalf("not on the API screen:\n%s", v)
	}
	e.press(t, "down", "what?", "right")
	view := e.w.View()
	if got := e.w.c.Draft.plan.API.Name; got != "what?" {
		t.Errorf("the API name is %q, want %q:\n%s", got, "what?", view)
	}
	if e.w.showHelp || strings.Contains(view, "The REST API is what callers reach") {
		t.Errorf("? opened the help instead of landing in the field:\n%s", view)
	}
	if !strings.Contains(view, "API name             what?") || !strings.Contains(view, "f1 help & why") {
		t.Errorf("the field does not show what was typed, or the footer still offers ? for help:\n%s", view)
	}
	e.press(t, "up", "?") // on a choice, ? is the help again
	if view := e.w.View(); !e.w.showHelp || !strings.Contains(view, "The REST API is what callers reach") {
		t.Errorf("? on a choice does not open the help:\n%s", view)
	}
}

// TestFieldsAreBoundToThePlan: each key typed changes the plan at once, and a wrong value
// shows its error only once the user has tried to go on.
func TestFieldsAreBoundToThePlan(t *testing.T) {
	e := newEnv(t, "")
	e.init(t)
	e.press(t, "enter", "prod", "enter", "enter", "enter", "orders-api-", "space", "enter", "enter", "enter", "enter")
	if v := e.w.View(); !strings.Contains(v, "vpclink · Stage") {
		t.Fatalf("not on the Stage screen:\n%s", v)
	}
	e.press(t, "backspace", "backspace", "backspace", "prod-1")
	if got := e.w.c.Draft.plan.Stage.Name; got != "prod-1" {
		t.Errorf("stage name in the plan = %q, want prod-1", got)
	}
	if v := e.w.View(); strings.Contains(v, "✘") {
		t.Errorf("an error shows before the user tried to go on:\n%s", v)
	}
	e.press(t, "enter")
	view := e.w.View()
	if !strings.Contains(view, "vpclink · Stage") || !strings.Contains(view, "✘ stage.name:") {
		t.Errorf("a bad stage name does not stop the wizard with its error:\n%s", view)
	}
	e.press(t, "backspace", "backspace", "_1", "enter")
	if v := e.w.View(); !strings.Contains(v, "vpclink · Review") {
		t.Errorf("a good stage name does not let the wizard go on:\n%s", v)
	}
	if got := e.w.c.Draft.plan.Stage.Name; got != "prod_1" {
		t.Errorf("stage name in the plan = %q, want prod_1", got)
	}
}
