import { describe, expect, it } from 'vitest';
import { dashboardUrl } from './dashboard-url.js';

describe('dashboardUrl', () => {
  it('names the configured host with the port the server is listening on', () => {
    expect(dashboardUrl('127.0.0.1', 'http://127.0.0.1:41234')).toBe('http://127.0.0.1:41234/');
    expect(dashboardUrl('keygate.internal', 'http://10.0.0.5:3000')).toBe('http://keygate.internal:3000/');
    expect(dashboardUrl('localhost', 'http://[::1]:3000')).toBe('http://localhost:3000/');
  });

  it('names localhost for a server on every interface, IPv4 or IPv6', () => {
    expect(dashboardUrl('0.0.0.0', 'http://192.0.2.2:3000')).toBe('http://localhost:3000/');
    expect(dashboardUrl('::', 'http://[::]:3000')).toBe('http://localhost:3000/');
  });

  it('brackets an IPv6 host', () => {
    expect(dashboardUrl('::1', 'http://[::1]:8080')).toBe('http://[::1]:8080/');
    expect(dashboardUrl('fd00::5', 'http://[fd00::5]:8080')).toBe('http://[fd00::5]:8080/');
  });

  it('leaves out port 80, as a browser would', () => {
    expect(dashboardUrl('0.0.0.0', 'http://127.0.0.1:80')).toBe('http://localhost/');
  });
});
