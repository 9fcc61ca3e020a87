import type { Metadata, Viewport } from 'next';
import Link from 'next/link';
import { UserMenu } from '@/components/auth/user-menu';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'FiberStack-Lite', template: '%s · FiberStack-Lite' },
  description: 'Latency, uptime and packet loss of African ISP and data-centre links',
};

// Browser chrome (mobile address bar, PWA title bar) in the theme's background, not white.
export const viewport: Viewport = { themeColor: '#0d1117', colorScheme: 'dark' };

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="topbar">
          <Link href="/" className="brand">
            FiberStack-Lite
          </Link>
          <span className="tagline">Network monitoring · Ghana · Nigeria · Kenya</span>
          <UserMenu />
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
