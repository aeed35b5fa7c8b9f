// The merchant's copy of the Tandem queue snippet (a file of its own, so strict CSPs allow it).
window.Tandem = window.Tandem || function () { (window.Tandem.q = window.Tandem.q || []).push(arguments); };
