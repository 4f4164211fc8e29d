package controllers

import (
	"sync"

	"k8s.io/apimachinery/pkg/types"
)

// objectMemory is what a controller remembers of each object between reconciles, in memory.
// Entries are keyed by name, so a deleted object's entry can be dropped, and tied to the UID, so
// a new object of the same name starts afresh (reads the zero value).
type objectMemory[T any] struct {
	mu      sync.Mutex
	entries map[types.NamespacedName]memoryEntry[T]
}

type memoryEntry[T any] struct {
	uid   types.UID
	value T
}

// get returns what is remembered of the object, or the zero value.
func (m *objectMemory[T]) get(name types.NamespacedName, uid types.UID) T {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.entries[name]; ok && e.uid == uid {
		return e.value
	}
	var zero T
	return zero
}

// set remembers v for the object.
func (m *objectMemory[T]) set(name types.NamespacedName, uid types.UID, v T) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.entries == nil {
		m.entries = map[types.NamespacedName]memoryEntry[T]{}
	}
	m.entries[name] = memoryEntry[T]{uid: uid, value: v}
}

// forget drops the object's entry.
func (m *objectMemory[T]) forget(name types.NamespacedName) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.entries, name)
}

// len is the number of objects remembered.
func (m *objectMemory[T]) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}
