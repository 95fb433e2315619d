package steps

// undoOrder returns the steps in the order a rollback undoes them, derived from their edges:
// each step after every step that runs after it, so that a resource is deleted only once
// nothing that depends on it is left. Among steps free to go at once, the one listed last
// goes first, so a list already in dependency order undoes in exactly its reverse order.
// Edges to steps not in the list are ignored; steps caught in a cycle go last, in reverse
// list order.
func undoOrder(all []Step) []Step {
	index := make(map[string]int, len(all))
	for i, s := range all {
		index[s.ID()] = i
	}
	// dependents[i] counts the steps not yet undone that run after all[i].
	dependents := make([]int, len(all))
	for _, s := range all {
		for _, dep := range s.After() {
			if i, ok := index[dep]; ok {
				dependents[i]++
			}
		}
	}
	undone := make([]bool, len(all))
	order := make([]Step, 0, len(all))
	for len(order) < len(all) {
		next, stuck := -1, -1
		for i := len(all) - 1; i >= 0; i-- {
			if undone[i] {
				continue
			}
			if stuck < 0 {
				stuck = i
			}
			if dependents[i] == 0 {
				next = i
				break
			}
		}
		if next < 0 {
			next = stuck // a cycle: no order respects it
		}
		undone[next] = true
		order = append(order, all[next])
		for _, dep := range all[next].After() {
			if i, ok := index[dep]; ok {
				dependents[i]--
			}
		}
	}
	return order
}
