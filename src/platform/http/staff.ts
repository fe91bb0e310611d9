// Staff (console) route conventions: StaffRouter, requirePermission, consolePage, redirectWithFlash.
export * from './console.js';
